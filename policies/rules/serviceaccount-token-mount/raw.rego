# Workloads that get a service account token mounted (explicitly, or by
# leaving it to a service account that does not opt out) while that service
# account holds RBAC permissions through some RoleBinding/ClusterRoleBinding.
#
# Needs the ServiceAccount and the bindings in the same input.
package armo_builtins

import rego.v1

# Each body first builds its lookup tables, once, before the workloads are
# visited: the ServiceAccounts by [namespace, name] and the subjects the
# bindings name.

# The pod spec asks for the token explicitly: review that field.
deny contains msga if {
	accounts := group([[account_key(sa), sa] | some sa in input; sa.kind == "ServiceAccount"])
	subjects := bound_subjects(input)

	some wl in input
	spec_path := pod_spec_path(wl)
	pod_spec := object.get(wl, spec_path, {})
	some sa in accounts[[namespace_of(wl), account_name(pod_spec)]]
	has_binding(sa, subjects)

	pod_spec.automountServiceAccountToken == true
	path := sprintf("%s.automountServiceAccountToken", [concat(".", spec_path)])
	msga := finding(wl, sa, [path], [])
}

# The pod spec leaves it to the service account, which does not opt out:
# add automountServiceAccountToken: false to the pod spec.
deny contains msga if {
	accounts := group([[account_key(sa), sa] | some sa in input; sa.kind == "ServiceAccount"])
	subjects := bound_subjects(input)

	some wl in input
	spec_path := pod_spec_path(wl)
	pod_spec := object.get(wl, spec_path, {})
	some sa in accounts[[namespace_of(wl), account_name(pod_spec)]]
	has_binding(sa, subjects)

	automount_unset(pod_spec)
	not sa.automountServiceAccountToken == false
	fix := {"path": sprintf("%s.automountServiceAccountToken", [concat(".", spec_path)]), "value": "false"}
	msga := finding(wl, sa, [], [fix])
}

finding(wl, sa, review, fix) := {
	"alertMessage": sprintf("%v: %v in the following namespace: %v mounts service account tokens by default", [wl.kind, wl.metadata.name, namespace_of(wl)]),
	"packagename": "armo_builtins",
	"alertScore": 9,
	"reviewPaths": review,
	"failedPaths": review,
	"fixPaths": fix,
	"alertObject": {"k8sApiObjects": [wl]},
	"relatedObjects": [{"object": sa}],
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

# What the RoleBindings/ClusterRoleBindings of the input grant roles to:
# "accounts", the [namespace, name] of each service account subject (one
# without namespace, allowed in a RoleBinding, means the binding's
# namespace), and "names", the name of every subject.
bound_subjects(objs) := {
	"accounts": {[object.get(subject, "namespace", namespace_of(binding)), subject.name] |
		some binding in objs
		endswith(binding.kind, "Binding")
		some subject in binding.subjects
		subject.kind == "ServiceAccount"
	},
	"names": {subject.name |
		some binding in objs
		endswith(binding.kind, "Binding")
		some subject in binding.subjects
	},
}

# Some binding grants a role to the service account: directly, or through a
# group that contains every service account, or every service account of its
# namespace.
has_binding(sa, subjects) if account_key(sa) in subjects.accounts

has_binding(sa, subjects) if {
	some name in {"system:serviceaccounts", "system:authenticated", sprintf("system:serviceaccounts:%s", [namespace_of(sa)])}
	name in subjects.names
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
