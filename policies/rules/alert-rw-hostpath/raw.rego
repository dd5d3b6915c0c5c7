package armo_builtins

import rego.v1

# A hostPath mount that is not readOnly lets the container write to the node's
# filesystem: plant binaries, alter kubelet or runtime configuration, persist
# across pod restarts. One response per writable mount of a hostPath volume.
# Covered: Pods and the pod templates of Deployment, ReplicaSet, DaemonSet,
# StatefulSet, Job and CronJob; containers and initContainers.

deny contains msga if {
	obj := input[_]
	pod := pod_spec(obj)
	some volume in object.get(pod.spec, "volumes", [])
	volume.hostPath
	some family in ["containers", "initContainers"]
	some i, container in object.get(pod.spec, family, [])
	some k, mount in container.volumeMounts
	mount.name == volume.name
	not mount.readOnly == true

	msga := {
		"alertMessage": sprintf("%v %v: container %v mounts hostPath volume %v writable", [obj.kind, object_name(obj), object.get(container, "name", ""), volume.name]),
		"packagename": "armo_builtins",
		"alertScore": 7,
		"fixPaths": [{"path": sprintf("%s.%s[%d].volumeMounts[%d].readOnly", [pod.path, family, i, k]), "value": "true"}],
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
