package armo_builtins

import rego.v1

# Within one container (regular, init or ephemeral) each environment
# variable name may appear once. With duplicates the last entry wins and the
# earlier ones are dead text that misleads reviewers; every entry of a
# duplicated name is reported.

deny contains msga if {
	wl := input[_]
	spec_path := pod_spec_path(wl)
	some group in ["containers", "initContainers", "ephemeralContainers"]
	some i, container in object.get(wl, array.concat(split(spec_path, "."), [group]), [])
	some j, env in container.env
	count([k | some k, other in container.env; other.name == env.name]) > 1

	path := sprintf("%s.%s[%d].env[%d].name", [spec_path, group, i, j])
	msga := {
		"alertMessage": sprintf("%s '%s': container '%s' sets environment variable %s more than once", [wl.kind, object.get(wl, ["metadata", "name"], ""), object.get(container, "name", ""), env.name]),
		"packagename": "armo_builtins",
		"alertScore": 3,
		"failedPaths": [path],
		"fixPaths": [],
		"alertObject": {"k8sApiObjects": [wl]},
	}
}

pod_spec_path(wl) := "spec" if wl.kind == "Pod"

pod_spec_path(wl) := "spec.template.spec" if wl.kind in {"Deployment", "ReplicaSet", "DaemonSet", "StatefulSet", "Job", "ReplicationController"}

pod_spec_path(wl) := "spec.jobTemplate.spec.template.spec" if wl.kind == "CronJob"
