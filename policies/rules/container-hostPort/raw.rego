package armo_builtins

import rego.v1

# A hostPort binds the container port on the node's own IP address: it
# bypasses Service-level network policy assumptions and limits where the pod
# can be scheduled. hostPort 0 means "not set" in Kubernetes and is ignored.
# One response per container, listing each offending port.
# Covered: containers of Pods and of the pod templates of Deployment,
# ReplicaSet, DaemonSet, StatefulSet, Job and CronJob.

deny contains msga if {
	obj := input[_]
	pod := pod_spec(obj)
	some i, container in object.get(pod.spec, "containers", [])
	paths := [sprintf("%s.containers[%d].ports[%d].hostPort", [pod.path, i, j]) |
		some j, port in container.ports
		port.hostPort
		port.hostPort != 0
	]
	count(paths) > 0

	msga := {
		"alertMessage": sprintf("%v %v: container %v publishes ports on the node with hostPort", [obj.kind, object_name(obj), object.get(container, "name", "")]),
		"packagename": "armo_builtins",
		"alertScore": 4,
		"deletePaths": paths,
		"failedPaths": paths,
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
