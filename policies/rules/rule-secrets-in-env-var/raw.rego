package armo_builtins

import rego.v1

# Secrets handed to a process as environment variables end up in places
# files do not: /proc/<pid>/environ, child processes, crash reports and
# debug endpoints. Reported for regular and init containers: every env entry
# taken from a Secret key, and every envFrom that imports a whole Secret.

deny contains msga if {
	wl := input[_]
	spec_path := pod_spec_path(wl)
	some group in ["containers", "initContainers"]
	some i, container in object.get(wl, array.concat(split(spec_path, "."), [group]), [])
	some j, env in container.env
	env.valueFrom.secretKeyRef

	path := sprintf("%s.%s[%d].env[%d].name", [spec_path, group, i, j])
	msga := {
		"alertMessage": sprintf("%s '%s': container '%s' reads Secret '%s' into environment variable %s", [wl.kind, object.get(wl, ["metadata", "name"], ""), object.get(container, "name", ""), object.get(env.valueFrom.secretKeyRef, "name", ""), env.name]),
		"packagename": "armo_builtins",
		"alertScore": 9,
		"deletePaths": [path],
		"failedPaths": [path],
		"fixPaths": [],
		"alertObject": {"k8sApiObjects": [wl]},
	}
}

deny contains msga if {
	wl := input[_]
	spec_path := pod_spec_path(wl)
	some group in ["containers", "initContainers"]
	some i, container in object.get(wl, array.concat(split(spec_path, "."), [group]), [])
	some j, source in container.envFrom
	source.secretRef

	path := sprintf("%s.%s[%d].envFrom[%d].secretRef", [spec_path, group, i, j])
	msga := {
		"alertMessage": sprintf("%s '%s': container '%s' imports Secret '%s' into its environment", [wl.kind, object.get(wl, ["metadata", "name"], ""), object.get(container, "name", ""), object.get(source.secretRef, "name", "")]),
		"packagename": "armo_builtins",
		"alertScore": 9,
		"deletePaths": [path],
		"failedPaths": [path],
		"fixPaths": [],
		"alertObject": {"k8sApiObjects": [wl]},
	}
}

pod_spec_path(wl) := "spec" if wl.kind == "Pod"

pod_spec_path(wl) := "spec.template.spec" if wl.kind in {"Deployment", "ReplicaSet", "DaemonSet", "StatefulSet", "Job"}

pod_spec_path(wl) := "spec.jobTemplate.spec.template.spec" if wl.kind == "CronJob"
