package armo_builtins

import rego.v1

# Fails for each namespace whose pod-security.kubernetes.io/enforce label
# does not enforce at least the restricted Pod Security Standard.
deny contains msga if {
	some ns in input
	ns.kind == "Namespace"
	not enforces_restricted(ns)

	msga := {
		"alertMessage": sprintf("Namespace: %v does not enable restricted pod security admission", [ns.metadata.name]),
		"packagename": "armo_builtins",
		"alertScore": 7,
		"failedPaths": [],
		"fixPaths": [{"path": "metadata.labels[pod-security.kubernetes.io/enforce]", "value": "restricted"}],
		"alertObject": {"k8sApiObjects": [ns]},
	}
}

# Only the restricted level forbids privilege escalation, root users and
# capabilities beyond NET_BIND_SERVICE.
enforces_restricted(ns) if {
	ns.metadata.labels["pod-security.kubernetes.io/enforce"] == "restricted"
}
