package armo_builtins

import rego.v1

# Every regular container must carry both a CPU and a memory limit; the fix
# adds whichever of the two is missing.

deny contains msga if {
	wl := input[_]
	spec_path := pod_spec_path(wl)
	some i, container in object.get(wl, split(spec_path, "."), {}).containers
	missing := [res | some res in ["cpu", "memory"]; not container.resources.limits[res]]
	count(missing) > 0

	msga := {
		"alertMessage": sprintf("%s '%s': container '%s' has no %s limit", [wl.kind, object.get(wl, ["metadata", "name"], ""), object.get(container, "name", ""), concat(" or ", missing)]),
		"packagename": "armo_builtins",
		"alertScore": 7,
		"failedPaths": [],
		"fixPaths": [{"path": sprintf("%s.containers[%d].resources.limits.%s", [spec_path, i, res]), "value": "YOUR_VALUE"} | some res in missing],
		"alertObject": {"k8sApiObjects": [wl]},
	}
}

pod_spec_path(wl) := "spec" if wl.kind == "Pod"

pod_spec_path(wl) := "spec.template.spec" if wl.kind in {"Deployment", "ReplicaSet", "DaemonSet", "StatefulSet", "Job"}

pod_spec_path(wl) := "spec.jobTemplate.spec.template.spec" if wl.kind == "CronJob"
