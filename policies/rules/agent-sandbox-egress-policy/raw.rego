package armo_builtins

import rego.v1

# An agent sandbox runs code nobody reviewed; its egress must be limited to
# named destinations. The SandboxTemplate must leave network policy
# management to the controller (networkPolicyManagement Managed, the
# default) and define its own networkPolicy (without one, the controller's
# default allows egress to the internet), and every egress rule must name
# its destinations: a non-empty 'to' whose every peer is a CIDR narrower
# than /0 or a selector with at least one label or expression.

deny contains msga if {
	template := sandbox_template(input[_])
	management := management_mode(template)
	management != "Managed"
	msga := finding(template, sprintf("networkPolicyManagement is %v, so no network policy is enforced", [management]), "spec.networkPolicyManagement")
}

deny contains msga if {
	template := sandbox_template(input[_])
	management_mode(template) == "Managed"
	object.get(template, ["spec", "networkPolicy"], null) == null
	msga := finding(template, "defines no networkPolicy, so the default policy applies and it allows egress to the internet", "spec.networkPolicy")
}

deny contains msga if {
	template := sandbox_template(input[_])
	management_mode(template) == "Managed"
	policy := object.get(template, ["spec", "networkPolicy"], null)
	policy != null
	not is_object(policy)
	msga := finding(template, "has a networkPolicy that is not an object", "spec.networkPolicy")
}

deny contains msga if {
	template := sandbox_template(input[_])
	management_mode(template) == "Managed"
	egress := object.get(template, ["spec", "networkPolicy", "egress"], null)
	is_object(template.spec.networkPolicy)
	egress != null
	not is_array(egress)
	msga := finding(template, "has a networkPolicy.egress that is not a list", "spec.networkPolicy.egress")
}

deny contains msga if {
	template := sandbox_template(input[_])
	management_mode(template) == "Managed"
	is_object(template.spec.networkPolicy)
	is_array(template.spec.networkPolicy.egress)
	some rule in template.spec.networkPolicy.egress
	not scoped(rule)
	msga := finding(template, "has an egress rule that does not restrict its destinations", "spec.networkPolicy.egress")
}

sandbox_template(obj) := obj if obj.kind == "SandboxTemplate"

# Unset (or null) means the controller manages the policy.
management_mode(template) := mode if {
	mode := object.get(template, ["spec", "networkPolicyManagement"], null)
	mode != null
} else := "Managed"

scoped(rule) if {
	is_array(rule.to)
	count(rule.to) > 0
	every peer in rule.to {
		narrow_peer(peer)
	}
}

narrow_peer(peer) if {
	is_string(peer.ipBlock.cidr)
	peer.ipBlock.cidr != ""
	not endswith(peer.ipBlock.cidr, "/0")
}

narrow_peer(peer) if non_empty_selector(peer.podSelector)

narrow_peer(peer) if non_empty_selector(peer.namespaceSelector)

non_empty_selector(selector) if {
	is_object(selector.matchLabels)
	count(selector.matchLabels) > 0
}

non_empty_selector(selector) if {
	is_array(selector.matchExpressions)
	count(selector.matchExpressions) > 0
}

finding(template, problem, path) := {
	"alertMessage": sprintf("SandboxTemplate '%s' %s", [object.get(template, ["metadata", "name"], ""), problem]),
	"packagename": "armo_builtins",
	"alertScore": 7,
	"failedPaths": [path],
	"fixPaths": [],
	"alertObject": {"k8sApiObjects": [template]},
}
