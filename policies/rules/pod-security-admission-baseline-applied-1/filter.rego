package armo_builtins

import rego.v1

# Enumerates the namespaces that do not enforce the baseline level (the
# resources this control is evaluated on).
deny contains msga if {
	some ns in input
	ns.kind == "Namespace"
	not enforces_baseline(ns)

	msga := {
		"alertMessage": sprintf("Namespace: %v does not enable baseline pod security admission", [ns.metadata.name]),
		"packagename": "armo_builtins",
		"alertScore": 7,
		"failedPaths": [],
		"fixPaths": [],
		"alertObject": {"k8sApiObjects": [ns]},
	}
}

# baseline and restricted both forbid privileged pods, host namespaces,
# hostPath volumes, host ports, added capabilities beyond the default set and
# Windows HostProcess pods; privileged (or no label) forbids nothing.
enforces_baseline(ns) if {
	ns.metadata.labels["pod-security.kubernetes.io/enforce"] in {"baseline", "restricted"}
}
