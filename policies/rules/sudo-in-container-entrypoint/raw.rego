package armo_builtins

import rego.v1

# sudo in a container's command means the image ships a setuid sudo and the
# process expects to become root at will, defeating runAsNonRoot and the
# other user-level restrictions. Every command element containing "sudo" is
# listed for review (a substring match: wrappers such as "sh -c 'sudo ...'"
# are caught too).
# Covered: containers of Pods and of the pod templates of Deployment,
# ReplicaSet, DaemonSet, StatefulSet, Job and CronJob.

deny contains msga if {
	obj := input[_]
	pod := pod_spec(obj)
	some i, container in object.get(pod.spec, "containers", [])
	paths := [sprintf("%s.containers[%d].command[%d]", [pod.path, i, k]) |
		some k, part in container.command
		contains(part, "sudo")
	]
	count(paths) > 0

	msga := {
		"alertMessage": sprintf("%v %v: container %v runs sudo in its command", [obj.kind, object_name(obj), object.get(container, "name", "")]),
		"packagename": "armo_builtins",
		"alertScore": 7,
		"fixPaths": [],
		"reviewPaths": paths,
		"failedPaths": paths,
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
