package armo_builtins

import rego.v1

# Host namespaces are a pod-level setting (there is no per-container switch).
# Covered: Pods and the pod templates of Deployment, ReplicaSet, DaemonSet,
# StatefulSet, Job and CronJob.

deny contains msga if {
	obj := input[_]
	pod := pod_spec(obj)
	pod.spec.hostPID == true
	path := sprintf("%s.hostPID", [pod.path])

	msga := {
		"alertMessage": sprintf("%v %v: hostPID is true, so the pod shares the node's process ID namespace (every process on the node is visible)", [obj.kind, object_name(obj)]),
		"packagename": "armo_builtins",
		"alertScore": alert_score_hostPID(obj.kind),
		"deletePaths": [path],
		"failedPaths": [path],
		"fixPaths": [],
		"alertObject": {"k8sApiObjects": [obj]},
	}
}

alert_score_hostPID("Pod") := 7

alert_score_hostPID(kind) := 9 if kind != "Pod"

deny contains msga if {
	obj := input[_]
	pod := pod_spec(obj)
	pod.spec.hostIPC == true
	path := sprintf("%s.hostIPC", [pod.path])

	msga := {
		"alertMessage": sprintf("%v %v: hostIPC is true, so the pod shares the node's IPC namespace (System V shared memory, semaphores, message queues)", [obj.kind, object_name(obj)]),
		"packagename": "armo_builtins",
		"alertScore": alert_score_hostIPC(obj.kind),
		"deletePaths": [path],
		"failedPaths": [path],
		"fixPaths": [],
		"alertObject": {"k8sApiObjects": [obj]},
	}
}

alert_score_hostIPC("Pod") := 7

alert_score_hostIPC(kind) := 9 if kind != "Pod"

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
