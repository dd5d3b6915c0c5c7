# Enumerates the workloads this rule judges: every Pod, Deployment,
# ReplicaSet, DaemonSet, StatefulSet, Job and CronJob of the input.
package armo_builtins

import rego.v1

deny contains msga if {
	some wl in input
	wl.kind in {"Pod", "Deployment", "ReplicaSet", "DaemonSet", "StatefulSet", "Job", "CronJob"}
	namespace := object.get(wl, ["metadata", "namespace"], "default")

	msga := {
		"alertMessage": sprintf("%v: %v in the following namespace: %v mounts service account tokens by default", [wl.kind, wl.metadata.name, namespace]),
		"packagename": "armo_builtins",
		"alertScore": 9,
		"alertObject": {"k8sApiObjects": [wl]},
	}
}
