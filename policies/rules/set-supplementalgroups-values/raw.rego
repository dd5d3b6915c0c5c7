package armo_builtins

import rego.v1

# supplementalGroups (pod securityContext only) must not contain GID 0: every
# container process would be a member of the root group and could read or
# write whatever root-group permissions allow on the image and on volumes.
# Covered: Pods and the pod templates of Deployment, ReplicaSet, DaemonSet,
# StatefulSet, Job and CronJob.

deny contains msga if {
	obj := input[_]
	pod := pod_spec(obj)
	some gid in pod.spec.securityContext.supplementalGroups
	gid == 0
	path := sprintf("%s.securityContext.supplementalGroups", [pod.path])

	msga := {
		"alertMessage": sprintf("%v %v: the pod securityContext adds the root group (0) to supplementalGroups", [obj.kind, object_name(obj)]),
		"packagename": "armo_builtins",
		"alertScore": 7,
		"failedPaths": [path],
		"fixPaths": [{"path": path, "value": "REMOVE_GROUP_0"}],
		"alertObject": {"k8sApiObjects": [obj]},
	}
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
