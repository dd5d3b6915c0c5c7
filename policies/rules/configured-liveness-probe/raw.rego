package armo_builtins

import rego.v1

# Every regular container must define a livenessProbe. Ordinary init containers run
# to completion and cannot have probes, and ephemeral containers are
# debugging aids, so neither is checked (nor are restartable sidecar init
# containers).

deny contains msga if {
	wl := input[_]
	spec_path := pod_spec_path(wl)
	some i, container in object.get(wl, split(spec_path, "."), {}).containers
	not container.livenessProbe

	msga := {
		"alertMessage": sprintf("%s '%s': container '%s' has no livenessProbe", [wl.kind, object.get(wl, ["metadata", "name"], ""), object.get(container, "name", "")]),
		"packagename": "armo_builtins",
		"alertScore": 4,
		"failedPaths": [],
		"fixPaths": [{"path": sprintf("%s.containers[%d].livenessProbe", [spec_path, i]), "value": "YOUR_VALUE"}],
		"alertObject": {"k8sApiObjects": [wl]},
	}
}

pod_spec_path(wl) := "spec" if wl.kind == "Pod"

pod_spec_path(wl) := "spec.template.spec" if wl.kind in {"Deployment", "ReplicaSet", "DaemonSet", "StatefulSet", "Job"}

pod_spec_path(wl) := "spec.jobTemplate.spec.template.spec" if wl.kind == "CronJob"
