package armo_builtins

import rego.v1

# A container runtime socket (Docker, containerd, CRI-O, cri-dockerd) on a
# hostPath lets the pod start privileged containers on the node: it is root on
# the node. Recognised: the sockets themselves and the run directories that
# contain them, with /var/run and /run treated as the same directory and
# trailing slashes ignored. One response per (volume, container with
# volumeMounts), as for any hostPath.
# Covered: Pods and the pod templates of Deployment, ReplicaSet, DaemonSet,
# StatefulSet, Job and CronJob; mounts of containers and initContainers.

deny contains msga if {
	obj := input[_]
	pod := pod_spec(obj)
	some i, volume in object.get(pod.spec, "volumes", [])
	runtime_socket_path(normalized_run_path(volume.hostPath.path))
	some mounts in mount_path_sets(pod, volume.name)
	paths := array.concat([sprintf("%s.volumes[%d]", [pod.path, i])], mounts)

	msga := {
		"alertMessage": sprintf("%v %v: volume %v mounts the container runtime socket path %v from the node", [obj.kind, object_name(obj), volume.name, volume.hostPath.path]),
		"packagename": "armo_builtins",
		"alertScore": 5,
		"deletePaths": paths,
		"failedPaths": paths,
		"fixPaths": [],
		"alertObject": {"k8sApiObjects": [obj]},
	}
}

runtime_socket_path(path) if {
	path in {
		"/run",
		"/run/docker",
		"/run/docker.sock",
		"/run/dockershim.sock",
		"/run/cri-dockerd.sock",
		"/run/containerd",
		"/run/containerd/containerd.sock",
		"/run/crio",
		"/run/crio/crio.sock",
		"/run/k3s/containerd",
		"/run/k3s/containerd/containerd.sock",
	}
}

# /var/run is a symlink to /run on every current distribution.
normalized_run_path(path) := concat("", ["/run", substring(trimmed, 8, -1)]) if {
	trimmed := trim_right(path, "/")
	startswith(concat("", [trimmed, "/"]), "/var/run/")
} else := trim_right(path, "/")

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
