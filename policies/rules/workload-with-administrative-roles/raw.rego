# Workloads whose service account token is mounted and whose service account
# is bound to an administrative role: a rule granting verb "*" on resource "*"
# in the core group or in every group.
#
# Needs the ServiceAccount, the bindings and the roles in the same input.
package armo_builtins

import rego.v1

deny contains msga if {
	# Lookup tables, built once before the workloads are visited: the
	# ServiceAccounts by [namespace, name], and each (binding, subject,
	# administrative role) grant by the service account or the group it names.
	accounts := group([[account_key(sa), sa] | some sa in input; sa.kind == "ServiceAccount"])
	roles := group([[role_key(role), role] |
		some role in input
		role.kind in {"Role", "ClusterRole"}
		administrative_role(role)
	])
	grants := [{"binding": binding, "index": idx, "subject": subject, "role": role} |
		some binding in input
		binding.kind in {"RoleBinding", "ClusterRoleBinding"}
		some role in roles[bound_role_key(binding)]
		some idx, subject in binding.subjects
	]
	by_account := group([[[object.get(g.subject, "namespace", namespace_of(g.binding)), g.subject.name], g] |
		some g in grants
		g.subject.kind == "ServiceAccount"
	])
	by_group := group([[g.subject.name, g] | some g in grants; g.subject.kind == "Group"])

	some wl in input
	spec_path := pod_spec_path(wl)
	pod_spec := object.get(wl, spec_path, {})

	some sa in accounts[[namespace_of(wl), account_name(pod_spec)]]
	token_mounted(pod_spec, sa)

	some grant in grants_of(sa, by_account, by_group)

	msga := {
		"alertMessage": sprintf("%v: %v in the following namespace: %v has administrative roles", [wl.kind, wl.metadata.name, namespace_of(wl)]),
		"packagename": "armo_builtins",
		"alertScore": 9,
		"alertObject": {"k8sApiObjects": [wl]},
		"relatedObjects": [
			{"object": sa},
			{
				"object": grant.binding,
				"reviewPaths": ["roleRef"],
				"deletePaths": [sprintf("subjects[%d]", [grant.index])],
			},
			{"object": grant.role},
		],
	}
}

# A rule of the role grants verb "*" on resource "*" in the core group or in
# every group.
administrative_role(role) if {
	some rule in role.rules
	rule_grants(rule, {"*"}, {"*"}, {"", "*"})
}

# Path of the pod template spec of the workload kinds this rule covers.
pod_spec_path(wl) := ["spec"] if wl.kind == "Pod"

pod_spec_path(wl) := ["spec", "template", "spec"] if {
	wl.kind in {"Deployment", "ReplicaSet", "DaemonSet", "StatefulSet", "Job"}
}

pod_spec_path(wl) := ["spec", "jobTemplate", "spec", "template", "spec"] if wl.kind == "CronJob"

# Objects without a namespace (manifest files) are taken to live in "default".
namespace_of(obj) := object.get(obj, ["metadata", "namespace"], "default")

# Key of a ServiceAccount, and of the account a pod runs as:
# [namespace, name], with serviceAccountName "default" when unset.
account_key(sa) := [namespace_of(sa), sa.metadata.name]

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

# Key of a role, and of the role a binding points at (a Role only counts in
# the binding's own namespace).
role_key(role) := ["ClusterRole", role.metadata.name] if role.kind == "ClusterRole"

role_key(role) := ["Role", namespace_of(role), role.metadata.name] if role.kind == "Role"

bound_role_key(binding) := ["ClusterRole", binding.roleRef.name] if binding.roleRef.kind == "ClusterRole"

bound_role_key(binding) := ["Role", namespace_of(binding), binding.roleRef.name] if binding.roleRef.kind == "Role"

# The grants whose subject entry names the service account: directly (a
# service account subject without namespace in a RoleBinding means the
# binding's namespace; by_account is keyed that way), or through a group
# every service account (of its namespace) belongs to.
grants_of(sa, by_account, by_group) := array.concat(
	[g | some g in by_account[account_key(sa)]],
	[g |
		some name in {"system:serviceaccounts", "system:authenticated", sprintf("system:serviceaccounts:%s", [namespace_of(sa)])}
		some g in by_group[name]
	],
)

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

# Groups [key, value] pairs into {key: [value, ...]} in O(n log n): sorting
# the keys with their positions brings the pairs of a key together.
group(pairs) := {order[start][0]: [pairs[e[1]][1] | some e in array.slice(order, start, stops[j])] |
	some j, start in starts
} if {
	order := sort([[p[0], i] | some i, p in pairs])
	starts := [i | some i, _ in order; run_start(order, i)]
	stops := array.concat(array.slice(starts, 1, count(starts)), [count(order)])
}

run_start(_, 0)

run_start(order, i) if {
	i > 0
	order[i - 1][0] != order[i][0]
}
