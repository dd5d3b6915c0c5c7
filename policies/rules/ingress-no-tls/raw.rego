package armo_builtins

import rego.v1

# An Ingress without a TLS section serves its hosts over plain HTTP. An empty
# tls list is the same as none.
deny contains msga if {
	some ingress in input
	ingress.kind == "Ingress"
	not has_tls(ingress)

	msga := {
		"alertMessage": sprintf("Ingress '%v' has no TLS configuration", [ingress.metadata.name]),
		"packagename": "armo_builtins",
		"alertScore": 7,
		"failedPaths": [],
		"fixPaths": [{"path": "spec.tls", "value": "<your-tls-definition>"}],
		"alertObject": {"k8sApiObjects": [ingress]},
	}
}

has_tls(ingress) if count(ingress.spec.tls) > 0
