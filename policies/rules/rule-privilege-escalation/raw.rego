package armo_builtins

import rego.v1

# A container counts as privileged when securityContext.privileged is true or
# when it adds the SYS_ADMIN capability (directly or through ALL): SYS_ADMIN
# alone is enough to mount filesystems, enter namespaces and load BPF
# programs, so it is privileged mode in all but name.
# Covered: containers, initContainers and ephemeralContainers of Pods and of
# the pod templates of Deployment, ReplicaSet, DaemonSet, StatefulSet, Job and
# CronJob.

deny contains msga if {
	obj := input[_]
	pod := pod_spec(obj)
	some family in ["containers", "initContainers", "ephemeralContainers"]
	some i, container in object.get(pod.spec, family, [])
	sc_path := sprintf("%s.%s[%d].securityContext", [pod.path, family, i])
	paths := array.concat(sys_admin_paths(container, sc_path), privileged_paths(container, sc_path))
	count(paths) > 0

	msga := {
		"alertMessage": sprintf("%v %v: container %v runs privileged (privileged: true or the SYS_ADMIN capability)", [obj.kind, object_name(obj), object.get(container, "name", "")]),
		"packagename": "armo_builtins",
		"alertScore": 3,
		"fixPaths": [],
		"deletePaths": paths,
		"failedPaths": paths,
		"alertObject": {"k8sApiObjects": [obj]},
	}
}

# Entries of capabilities.add that grant SYS_ADMIN. Runtimes upper-case the
# names, so the comparison is case-insensitive.
sys_admin_paths(container, sc_path) := [sprintf("%s.capabilities.add[%d]", [sc_path, k]) |
	some k, cap in container.securityContext.capabilities.add
	upper(cap) in {"SYS_ADMIN", "ALL"}
]

privileged_paths(container, sc_path) := [sprintf("%s.privileged", [sc_path])] if {
	container.securityContext.privileged == true
} else := []

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
