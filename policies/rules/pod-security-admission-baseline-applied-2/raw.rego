package armo_builtins

import rego.v1

# Fails for each namespace whose pod-security.kubernetes.io/enforce label
# does not enforce at least the baseline Pod Security Standard.
deny contains msga if {
	some ns in input
	ns.kind == "Namespace"
	not enforces_baseline(ns)

	msga := {
		"alertMessage": sprintf("Namespace: %v does not enable baseline pod security admission", [ns.metadata.name]),
		"packagename": "armo_builtins",
		"alertScore": 7,
		"failedPaths": [],
		"fixPaths": [{"path": "metadata.labels[pod-security.kubernetes.io/enforce]", "value": "baseline"}],
		"alertObject": {"k8sApiObjects": [ns]},
	}
}

# baseline and restricted both forbid privileged pods, host namespaces,
# hostPath volumes, host ports, added capabilities beyond the default set and
# Windows HostProcess pods; privileged (or no label) forbids nothing.
enforces_baseline(ns) if {
	ns.metadata.labels["pod-security.kubernetes.io/enforce"] in {"baseline", "restricted"}
}
