# Workloads that get a service account token mounted (explicitly, or by
# leaving it to a service account that does not opt out) while that service
# account holds RBAC permissions through some RoleBinding/ClusterRoleBinding.
#
# Needs the ServiceAccount and the bindings in the same input.
package armo_builtins

import rego.v1

# The pod spec asks for the token explicitly: review that field.
deny contains msga if {
	some wl in input
	spec_path := pod_spec_path(wl)
	pod_spec := object.get(wl, spec_path, {})
	some sa in input
	sa.kind == "ServiceAccount"
	runs_as(wl, pod_spec, sa)
	has_binding(sa)

	pod_spec.automountServiceAccountToken == true
	path := sprintf("%s.automountServiceAccountToken", [concat(".", spec_path)])
	msga := finding(wl, sa, [path], [])
}

# The pod spec leaves it to the service account, which does not opt out:
# add automountServiceAccountToken: false to the pod spec.
deny contains msga if {
	some wl in input
	spec_path := pod_spec_path(wl)
	pod_spec := object.get(wl, spec_path, {})
	some sa in input
	sa.kind == "ServiceAccount"
	runs_as(wl, pod_spec, sa)
	has_binding(sa)

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

# The service account the pod runs as: serviceAccountName, "default" when unset.
runs_as(wl, pod_spec, sa) if {
	sa.metadata.name == account_name(pod_spec)
	namespace_of(sa) == namespace_of(wl)
}

account_name(pod_spec) := name if {
	name := pod_spec.serviceAccountName
	name != ""
} else := "default"

# Some binding of the input grants a role to the service account.
has_binding(sa) if {
	some binding in input
	endswith(binding.kind, "Binding")
	some subject in binding.subjects
	covers_service_account(subject, binding, sa)
}

# Directly (a service account subject without namespace in a RoleBinding
# means the binding's namespace) or through a group that contains every
# service account, or every service account of its namespace.
covers_service_account(subject, binding, sa) if {
	subject.kind == "ServiceAccount"
	subject.name == sa.metadata.name
	object.get(subject, "namespace", namespace_of(binding)) == namespace_of(sa)
}

covers_service_account(subject, _, sa) if {
	subject.name in {"system:serviceaccounts", "system:authenticated", sprintf("system:serviceaccounts:%s", [namespace_of(sa)])}
}

# automountServiceAccountToken is not set to a boolean, so the default applies.
# (Written as two comparisons: a negated membership test on a missing field
# is undefined in OPA, not true.)
automount_unset(obj) if {
	not obj.automountServiceAccountToken == true
	not obj.automountServiceAccountToken == false
}
