# Workloads whose service account token is mounted and whose service account
# is bound to a cluster takeover role: one that can create or change pods
# (and so run anything as any service account of the namespace) or read
# secrets (and so steal other tokens and credentials).
#
# Needs the ServiceAccount, the bindings and the roles in the same input.
package armo_builtins

import rego.v1

deny contains msga if {
	some wl in input
	spec_path := pod_spec_path(wl)
	pod_spec := object.get(wl, spec_path, {})

	some sa in input
	sa.kind == "ServiceAccount"
	runs_as(wl, pod_spec, sa)
	token_mounted(pod_spec, sa)

	some role in input
	role.kind in {"Role", "ClusterRole"}
	takeover_role(role)

	some binding in input
	binding.kind in {"RoleBinding", "ClusterRoleBinding"}
	grants(binding, role)
	some idx, subject in binding.subjects
	covers_service_account(subject, binding, sa)

	msga := {
		"alertMessage": sprintf("%v: %v in the following namespace: %v has cluster takeover roles", [wl.kind, wl.metadata.name, namespace_of(wl)]),
		"packagename": "armo_builtins",
		"alertScore": 9,
		"alertObject": {"k8sApiObjects": [wl]},
		"relatedObjects": [
			{"object": sa},
			{
				"object": binding,
				"deletePaths": [sprintf("subjects[%d]", [idx])],
			},
			{"object": role},
		],
	}
}

takeover_role(role) if {
	some rule in role.rules
	rule_grants(rule, {"create", "update", "patch", "*"}, {"pods", "*"}, {"", "*"})
}

takeover_role(role) if {
	some rule in role.rules
	rule_grants(rule, {"get", "list", "watch", "*"}, {"secrets", "*"}, {"", "*"})
}

# Path of the pod template spec of the workload kinds this rule covers.
pod_spec_path(wl) := ["spec"] if wl.kind == "Pod"

pod_spec_path(wl) := ["spec", "template", "spec"] if {
	wl.kind in {"Deployment", "ReplicaSet", "DaemonSet", "StatefulSet", "Job"}
}

pod_spec_path(wl) := ["spec", "jobTemplate", "spec", "template", "spec"] if wl.kind == "CronJob"

# Objects without a namespace (manifest files) are taken to live in "default".
namespace_of(obj) := object.get(obj, ["metadata", "namespace"], "default")

# The service account the pod runs as: serviceAccountName, "default" when unset.
runs_as(wl, pod_spec, sa) if {
	sa.metadata.name == account_name(pod_spec)
	namespace_of(sa) == namespace_of(wl)
}

account_name(pod_spec) := name if {
	name := pod_spec.serviceAccountName
	name != ""
} else := "default"

# The pod gets a token: it asks for one, or it leaves the decision to the
# service account and the service account does not opt out.
token_mounted(pod_spec, _) if pod_spec.automountServiceAccountToken == true

token_mounted(pod_spec, sa) if {
	automount_unset(pod_spec)
	not sa.automountServiceAccountToken == false
}

# The binding points at this role (a Role only counts in its own namespace).
grants(binding, role) if {
	binding.roleRef.kind == role.kind
	binding.roleRef.name == role.metadata.name
	role_in_scope(binding, role)
}

role_in_scope(_, role) if role.kind == "ClusterRole"

role_in_scope(binding, role) if {
	role.kind == "Role"
	namespace_of(role) == namespace_of(binding)
}

# The subject entry names the service account: directly (a service account
# subject without namespace in a RoleBinding means the binding's namespace),
# or through a group every service account of its namespace belongs to.
covers_service_account(subject, binding, sa) if {
	subject.kind == "ServiceAccount"
	subject.name == sa.metadata.name
	object.get(subject, "namespace", namespace_of(binding)) == namespace_of(sa)
}

covers_service_account(subject, _, sa) if {
	subject.kind == "Group"
	subject.name in {"system:serviceaccounts", "system:authenticated", sprintf("system:serviceaccounts:%s", [namespace_of(sa)])}
}

# A rule grants one of verbs on one of resources in one of groups.
rule_grants(rule, verbs, resources, groups) if {
	some verb in rule.verbs
	verb in verbs
	some resource in rule.resources
	resource in resources
	some group in rule.apiGroups
	group in groups
}

# automountServiceAccountToken is not set to a boolean, so the default applies.
# (Written as two comparisons: a negated membership test on a missing field
# is undefined in OPA, not true.)
automount_unset(obj) if {
	not obj.automountServiceAccountToken == true
	not obj.automountServiceAccountToken == false
}
