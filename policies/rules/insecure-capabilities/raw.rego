package armo_builtins

import rego.v1

# Reports every entry of securityContext.capabilities.add that is on the
# insecureCapabilities control input (compared case-insensitively, as runtimes
# upper-case capability names).
# Covered: containers and initContainers of Pods and of the pod templates of
# Deployment, ReplicaSet, DaemonSet, StatefulSet, Job and CronJob, plus the
# ephemeralContainers of Pods (no delete paths: ephemeral containers cannot be
# edited once added).

deny contains msga if {
	obj := input[_]
	pod := pod_spec(obj)
	some family in container_families(obj.kind)
	some i, container in object.get(pod.spec, family, [])
	paths := insecure_capability_paths(container, sprintf("%s.%s[%d]", [pod.path, family, i]))
	count(paths) > 0

	msga := {
		"alertMessage": sprintf("%v %v: container %v adds insecure capabilities", [obj.kind, object_name(obj), object.get(container, "name", "")]),
		"packagename": "armo_builtins",
		"alertScore": 7,
		"deletePaths": deletable(family, paths),
		"failedPaths": paths,
		"fixPaths": [],
		"alertObject": {"k8sApiObjects": [obj]},
	}
}

insecure_capability_paths(container, container_path) := [sprintf("%s.securityContext.capabilities.add[%d]", [container_path, k]) |
	insecure := {upper(c) | some c in data.postureControlInputs.insecureCapabilities}
	some k, cap in container.securityContext.capabilities.add
	upper(cap) in insecure
]

deletable("ephemeralContainers", _) := []

deletable(family, paths) := paths if family != "ephemeralContainers"

container_families("Pod") := ["containers", "initContainers", "ephemeralContainers"]

container_families(kind) := ["containers", "initContainers"] if kind != "Pod"

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
