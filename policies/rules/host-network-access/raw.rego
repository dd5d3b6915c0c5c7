package armo_builtins

import rego.v1

# Host namespaces are a pod-level setting (there is no per-container switch).
# Covered: Pods and the pod templates of Deployment, ReplicaSet, DaemonSet,
# StatefulSet, Job and CronJob.

deny contains msga if {
	obj := input[_]
	pod := pod_spec(obj)
	pod.spec.hostNetwork == true
	path := sprintf("%s.hostNetwork", [pod.path])

	msga := {
		"alertMessage": sprintf("%v %v: hostNetwork is true, so the pod shares the node's network namespace (node interfaces, localhost services and ports)", [obj.kind, object_name(obj)]),
		"packagename": "armo_builtins",
		"alertScore": 9,
		"deletePaths": [path],
		"failedPaths": [path],
		"fixPaths": [],
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
