package armo_builtins

import rego.v1

# Every regular container must set resources.limits.memory.

deny contains msga if {
	wl := input[_]
	spec_path := pod_spec_path(wl)
	some i, container in object.get(wl, split(spec_path, "."), {}).containers
	not container.resources.limits.memory

	msga := {
		"alertMessage": sprintf("%s '%s': container '%s' sets no memory limit", [wl.kind, object.get(wl, ["metadata", "name"], ""), object.get(container, "name", "")]),
		"packagename": "armo_builtins",
		"alertScore": 7,
		"failedPaths": [],
		"fixPaths": [{"path": sprintf("%s.containers[%d].resources.limits.memory", [spec_path, i]), "value": "YOUR_VALUE"}],
		"alertObject": {"k8sApiObjects": [wl]},
	}
}

pod_spec_path(wl) := "spec" if wl.kind == "Pod"

pod_spec_path(wl) := "spec.template.spec" if wl.kind in {"Deployment", "ReplicaSet", "DaemonSet", "StatefulSet", "Job"}

pod_spec_path(wl) := "spec.jobTemplate.spec.template.spec" if wl.kind == "CronJob"
