# Workloads that name a ServiceAccount (other than "default") that the input
# does not contain in the workload's namespace. The API server rejects such
# pods, and controllers fail to create them.
package armo_builtins

import rego.v1

deny contains msga if {
	# The [namespace, name] of every ServiceAccount, collected once before
	# the workloads are visited.
	accounts := {[namespace_of(sa), sa.metadata.name] | some sa in input; sa.kind == "ServiceAccount"}

	some wl in input
	spec_path := pod_spec_path(wl)
	account := object.get(wl, array.concat(spec_path, ["serviceAccountName"]), "")
	not account in {"", "default"}
	namespace := namespace_of(wl)
	not [namespace, account] in accounts

	msga := {
		"alertMessage": sprintf("%v: %v in namespace %v references missing ServiceAccount %v", [wl.kind, wl.metadata.name, namespace, account]),
		"packagename": "armo_builtins",
		"alertScore": 5,
		"failedPaths": [sprintf("%s.serviceAccountName", [concat(".", spec_path)])],
		"fixPaths": [],
		"alertObject": {"k8sApiObjects": [wl]},
	}
}

pod_spec_path(wl) := ["spec"] if wl.kind == "Pod"

pod_spec_path(wl) := ["spec", "template", "spec"] if {
	wl.kind in {"Deployment", "ReplicaSet", "DaemonSet", "StatefulSet", "Job", "ReplicationController"}
}

pod_spec_path(wl) := ["spec", "jobTemplate", "spec", "template", "spec"] if wl.kind == "CronJob"

# Objects without a namespace (manifest files) are taken to live in "default".
namespace_of(obj) := object.get(obj, ["metadata", "namespace"], "default")
