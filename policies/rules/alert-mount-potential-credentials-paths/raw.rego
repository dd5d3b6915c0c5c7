package armo_builtins

import rego.v1

# On a managed cluster, some node paths hold the cloud credentials of the node
# identity (AWS config and credentials, Azure's azure.json, gcloud's
# application default credentials). A hostPath volume on one of them hands
# those credentials to the pod. The cloud provider comes from
# data.dataControlInputs.cloudProvider (eks, aks or gke); without one the rule
# reports nothing. Paths compare exactly, ignoring trailing slashes.
# One response per (volume, container with volumeMounts), as for any hostPath.
# Covered: Pods and the pod templates of Deployment, ReplicaSet, DaemonSet,
# StatefulSet, Job and CronJob; mounts of containers and initContainers.

deny contains msga if {
	provider := lower(data.dataControlInputs.cloudProvider)
	obj := input[_]
	pod := pod_spec(obj)
	some i, volume in object.get(pod.spec, "volumes", [])
	without_trailing_slash(volume.hostPath.path) in credential_paths(provider)
	some mounts in mount_path_sets(pod, volume.name)
	paths := array.concat([sprintf("%s.volumes[%d]", [pod.path, i])], mounts)

	msga := {
		"alertMessage": sprintf("%v %v: volume %v mounts %v from the node, a path that may hold %v cloud credentials", [obj.kind, object_name(obj), volume.name, volume.hostPath.path, upper(provider)]),
		"packagename": "armo_builtins",
		"alertScore": 7,
		"deletePaths": paths,
		"failedPaths": paths,
		"fixPaths": [],
		"alertObject": {"k8sApiObjects": [obj]},
	}
}

credential_paths("eks") := {"/.aws", "/.aws/config", "/.aws/credentials"}

credential_paths("aks") := {"/etc", "/etc/kubernetes", "/etc/kubernetes/azure.json", "/.azure", "/.azure/credentials"}

credential_paths("gke") := {
	"/.config",
	"/.config/gcloud",
	"/.config/gcloud/application_default_credentials.json",
	"/gcloud",
	"/gcloud/application_default_credentials.json",
}

without_trailing_slash(path) := trimmed if {
	trimmed := trim_right(path, "/")
	trimmed != ""
} else := path

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
