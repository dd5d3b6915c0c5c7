package armo_builtins

import rego.v1

# A namespace is covered when Pod Security Admission enforces a level on it,
# or when some admission webhook (Kyverno, Gatekeeper, ...) intercepts
# namespaced requests; with neither, nothing polices the pods created there.
deny contains msga if {
	not has_namespaced_admission_webhook(input)
	some ns in input
	ns.kind == "Namespace"
	not enforces_pod_security(ns)

	msga := {
		"alertMessage": sprintf("Namespace: %v does not enable pod security admission", [ns.metadata.name]),
		"packagename": "armo_builtins",
		"alertScore": 7,
		"failedPaths": [],
		"fixPaths": [{"path": "metadata.labels[pod-security.kubernetes.io/enforce]", "value": "YOUR_VALUE"}],
		"alertObject": {"k8sApiObjects": [ns]},
	}
}

# The enforce label itself must be there: the -version, audit and warn labels
# alone reject nothing.
enforces_pod_security(ns) if is_string(ns.metadata.labels["pod-security.kubernetes.io/enforce"])

has_namespaced_admission_webhook(objs) if {
	some hook in objs
	hook.kind in {"ValidatingWebhookConfiguration", "MutatingWebhookConfiguration"}
	some webhook in hook.webhooks
	some r in webhook.rules
	object.get(r, "scope", "*") != "Cluster"
}
