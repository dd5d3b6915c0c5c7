package armo_builtins

import rego.v1

# Any hostPath volume gives the pod a window onto the node's filesystem. One
# response per (hostPath volume, container with volumeMounts), naming the
# volume and that container's mounts of it; a hostPath volume that no
# container has mounts for is reported on its own.
# Covered: Pods and the pod templates of Deployment, ReplicaSet, DaemonSet,
# StatefulSet, Job and CronJob; mounts of containers and initContainers.

deny contains msga if {
	obj := input[_]
	pod := pod_spec(obj)
	some i, volume in object.get(pod.spec, "volumes", [])
	volume.hostPath.path
	some mounts in mount_path_sets(pod, volume.name)
	paths := array.concat([sprintf("%s.volumes[%d]", [pod.path, i])], mounts)

	msga := {
		"alertMessage": sprintf("%v %v: volume %v is a hostPath volume (%v on the node)", [obj.kind, object_name(obj), volume.name, volume.hostPath.path]),
		"packagename": "armo_builtins",
		"alertScore": 7,
		"deletePaths": paths,
		"failedPaths": paths,
		"fixPaths": [],
		"alertObject": {"k8sApiObjects": [obj]},
	}
}

# For every container (containers, then initContainers) that has volumeMounts:
# the paths of its mounts of the named volume, possibly none. A volume that no
# container could mount yet (no container has volumeMounts at all) still gets
# one empty set, so it is reported on its own.
mount_path_sets(pod, name) := sets if {
	sets := [[sprintf("%s.%s[%d].volumeMounts[%d]", [pod.path, family, j, k]) |
		some k, mount in container.volumeMounts
		mount.name == name
	] |
		some family in ["containers", "initContainers"]
		some j, container in object.get(pod.spec, family, [])
		container.volumeMounts
	]
	count(sets) > 0
} else := [[]]

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
