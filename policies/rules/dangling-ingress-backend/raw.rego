package armo_builtins

import rego.v1

# An Ingress backend must name a Service in the Ingress's own namespace;
# otherwise the controller has nowhere to send the traffic (503s) and a later
# Service of that name silently receives it.
deny contains msga if {
	# The [namespace, name] of every Service, collected once.
	services := {[namespace_of(svc), svc.metadata.name] | some svc in input; svc.kind == "Service"}

	some ingress in input
	ingress.kind == "Ingress"
	ns := namespace_of(ingress)
	some i, rule in ingress.spec.rules
	some j, path in rule.http.paths
	name := path.backend.service.name
	not service_exists(services, ns, name)

	msga := {
		"alertMessage": sprintf("Ingress '%v' backend Service '%v' does not exist in namespace '%v'", [ingress.metadata.name, name, ns]),
		"packagename": "armo_builtins",
		"alertScore": 4,
		"failedPaths": [sprintf("spec.rules[%d].http.paths[%d].backend.service.name", [i, j])],
		"fixPaths": [],
		"alertObject": {"k8sApiObjects": [ingress]},
	}
}

deny contains msga if {
	# The [namespace, name] of every Service, collected once.
	services := {[namespace_of(svc), svc.metadata.name] | some svc in input; svc.kind == "Service"}

	some ingress in input
	ingress.kind == "Ingress"
	ns := namespace_of(ingress)
	name := ingress.spec.defaultBackend.service.name
	not service_exists(services, ns, name)

	msga := {
		"alertMessage": sprintf("Ingress '%v' defaultBackend Service '%v' does not exist in namespace '%v'", [ingress.metadata.name, name, ns]),
		"packagename": "armo_builtins",
		"alertScore": 4,
		"failedPaths": ["spec.defaultBackend.service.name"],
		"fixPaths": [],
		"alertObject": {"k8sApiObjects": [ingress]},
	}
}

# Objects read from files may carry no namespace: they land in "default".
namespace_of(obj) := object.get(obj.metadata, "namespace", "default")

service_exists(services, ns, name) if [ns, name] in services
