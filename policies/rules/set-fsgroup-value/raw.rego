package armo_builtins

import rego.v1

# fsGroup exists only in the pod securityContext. Without it, files on volumes
# that support ownership management keep whatever group they had, so access
# control on shared volumes is left to chance. Fails when fsGroup is missing or
# is not a non-negative number.
# Covered: Pods and the pod templates of Deployment, ReplicaSet, DaemonSet,
# StatefulSet, Job and CronJob.

deny contains msga if {
	obj := input[_]
	pod := pod_spec(obj)
	not valid_fs_group(object.get(pod.spec, ["securityContext", "fsGroup"], null))

	msga := {
		"alertMessage": sprintf("%v %v: the pod securityContext does not set fsGroup to a valid group ID", [obj.kind, object_name(obj)]),
		"packagename": "armo_builtins",
		"alertScore": 7,
		"fixPaths": [{"path": sprintf("%s.securityContext.fsGroup", [pod.path]), "value": "YOUR_VALUE"}],
		"alertObject": {"k8sApiObjects": [obj]},
	}
}

valid_fs_group(gid) if {
	is_number(gid)
	gid >= 0
}

object_name(obj) := object.get(obj, ["metadata", "name"], "")

pod_spec(obj) := {"spec": object.get(obj, "spec", {}), "path": "spec"} if {
	obj.kind == "Pod"
}

pod_spec(obj) := {"spec": object.get(obj, ["spec", "template", "spec"], {}), "path": "spec.template.spec"} if {
	obj.kind in {"Deployment", "ReplicaSet", "DaemonSet", "StatefulSet", "Job"}
}

pod_spec(obj) := {"spec": object.get(obj, ["spec", "jobTemplate", "spec", "template", "spec"], {}), "path": "spec.jobTemplate.spec.template.spec"} if {
	obj.kind == "CronJob"
}
