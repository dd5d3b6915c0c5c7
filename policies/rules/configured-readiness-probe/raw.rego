package armo_builtins

import rego.v1

# Every regular container must define a readinessProbe. Ordinary init containers run
# to completion and cannot have probes, and ephemeral containers are
# debugging aids, so neither is checked (nor are restartable sidecar init
# containers).

deny contains msga if {
	wl := input[_]
	spec_path := pod_spec_path(wl)
	some i, container in object.get(wl, split(spec_path, "."), {}).containers
	not container.readinessProbe

	msga := {
		"alertMessage": sprintf("%s '%s': container '%s' has no readinessProbe", [wl.kind, object.get(wl, ["metadata", "name"], ""), object.get(container, "name", "")]),
		"packagename": "armo_builtins",
		"alertScore": 3,
		"failedPaths": [],
		"fixPaths": [{"path": sprintf("%s.containers[%d].readinessProbe", [spec_path, i]), "value": "YOUR_VALUE"}],
		"alertObject": {"k8sApiObjects": [wl]},
	}
}

pod_spec_path(wl) := "spec" if wl.kind == "Pod"

pod_spec_path(wl) := "spec.template.spec" if wl.kind in {"Deployment", "ReplicaSet", "DaemonSet", "StatefulSet", "Job"}

pod_spec_path(wl) := "spec.jobTemplate.spec.template.spec" if wl.kind == "CronJob"
