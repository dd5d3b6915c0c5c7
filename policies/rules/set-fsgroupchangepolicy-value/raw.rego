package armo_builtins

import rego.v1

# fsGroupChangePolicy (pod securityContext only) must be stated explicitly as
# Always or OnRootMismatch so that volume ownership handling is a deliberate
# choice. Missing or any other value fails.
# Covered: Pods and the pod templates of Deployment, ReplicaSet, DaemonSet,
# StatefulSet, Job and CronJob.

deny contains msga if {
	obj := input[_]
	pod := pod_spec(obj)
	not object.get(pod.spec, ["securityContext", "fsGroupChangePolicy"], "") in {"Always", "OnRootMismatch"}

	msga := {
		"alertMessage": sprintf("%v %v: the pod securityContext does not set fsGroupChangePolicy to Always or OnRootMismatch", [obj.kind, object_name(obj)]),
		"packagename": "armo_builtins",
		"alertScore": 7,
		"failedPaths": [],
		"fixPaths": [{"path": sprintf("%s.securityContext.fsGroupChangePolicy", [pod.path]), "value": "Always"}],
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
