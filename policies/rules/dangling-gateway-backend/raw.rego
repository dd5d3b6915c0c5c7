package armo_builtins

import rego.v1

# A Gateway API route backendRef that names a missing Service makes the
# gateway answer with errors for that rule. Only Service references are
# checked: other backend kinds cannot be resolved from the objects scanned.
deny contains msga if {
	# The [namespace, name] of every Service, collected once.
	services := {[namespace_of(svc), svc.metadata.name] | some svc in input; svc.kind == "Service"}

	some route in input
	route.kind in {"HTTPRoute", "TCPRoute", "UDPRoute"}
	some i, rule in route.spec.rules
	some j, ref in rule.backendRefs
	references_service(ref)
	ns := object.get(ref, "namespace", namespace_of(route))
	not service_exists(services, ns, ref.name)

	msga := {
		"alertMessage": sprintf("%v '%v' backendRef '%v' does not exist in namespace '%v'", [route.kind, route.metadata.name, ref.name, ns]),
		"packagename": "armo_builtins",
		"alertScore": 4,
		"failedPaths": [sprintf("spec.rules[%d].backendRefs[%d].name", [i, j])],
		"fixPaths": [],
		"alertObject": {"k8sApiObjects": [route]},
	}
}

# kind defaults to Service and group to "" (the core API group).
references_service(ref) if {
	object.get(ref, "kind", "Service") == "Service"
	object.get(ref, "group", "") == ""
}

namespace_of(obj) := object.get(obj.metadata, "namespace", "default")

service_exists(services, ns, name) if [ns, name] in services
