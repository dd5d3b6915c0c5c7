package armo_builtins

import rego.v1

# Workloads belong in a namespace of their own, where quotas, network policies,
# RBAC and Pod Security levels can be scoped to them. An explicit "default"
# namespace is reported for review; a manifest with no namespace lands in
# "default" (or whatever the applying context says), so a fix adds one.

deny contains msga if {
	obj := input[_]
	obj.kind in {"Pod", "Deployment", "ReplicaSet", "DaemonSet", "StatefulSet", "Job", "CronJob"}
	verdict := namespace_verdict(obj)

	msga := {
		"alertMessage": sprintf("%v %v: %v", [obj.kind, object.get(obj, ["metadata", "name"], ""), verdict.problem]),
		"packagename": "armo_builtins",
		"alertScore": 3,
		"reviewPaths": verdict.review,
		"failedPaths": verdict.review,
		"fixPaths": verdict.fix,
		"alertObject": {"k8sApiObjects": [obj]},
	}
}

namespace_verdict(obj) := {"problem": "runs in the default namespace", "review": ["metadata.namespace"], "fix": []} if {
	obj.metadata.namespace == "default"
}

namespace_verdict(obj) := {"problem": "has no namespace and would run in the default namespace", "review": [], "fix": [{"path": "metadata.namespace", "value": "YOUR_NAMESPACE"}]} if {
	object.get(obj, ["metadata", "namespace"], null) in {null, ""}
}
