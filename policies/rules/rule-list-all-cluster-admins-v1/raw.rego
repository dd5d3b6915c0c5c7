# Subjects with cluster-admin-equivalent rules.
#
# Input: subject vectors from the subject-role-rolebinding aggregator, one per
# subject of each binding: the subject itself plus relatedObjects [binding, role].
# A subject fails once per rule of the bound role that, on its own, grants one
# of the verbs below on one of the resources below in one of the API groups
# below. The reported paths point at every matching verb, resource and API
# group entry of that rule, then at the subject entry and the roleRef of the
# binding.
package armo_builtins

import rego.v1

deny contains msga if {
	some vector in input
	some binding_idx, binding in vector.relatedObjects
	endswith(binding.kind, "Binding")
	some role_idx, role in vector.relatedObjects
	endswith(role.kind, "Role")
	some subject_idx, subject in binding.subjects
	same_subject(vector, subject)

	some rule_idx, rule in role.rules
	rule_path := sprintf("relatedObjects[%d].rules[%d]", [role_idx, rule_idx])
	resource_paths := entry_paths(rule_path, rule, "resources", {"*"})
	verb_paths := entry_paths(rule_path, rule, "verbs", {"*"})
	group_paths := entry_paths(rule_path, rule, "apiGroups", {"", "*"})
	count(resource_paths) > 0
	count(verb_paths) > 0
	count(group_paths) > 0

	paths := array.concat(
		array.concat(array.concat(resource_paths, verb_paths), group_paths),
		binding_paths(binding_idx, subject_idx),
	)

	msga := {
		"alertMessage": sprintf("Subject: %s-%s have high privileges, such as cluster-admin", [vector.kind, vector.name]),
		"packagename": "armo_builtins",
		"alertScore": 3,
		"reviewPaths": paths,
		"failedPaths": paths,
		"fixPaths": [],
		"alertObject": {
			"k8sApiObjects": [],
			"externalObjects": vector,
		},
	}
}

# Paths of the entries of rule[field] that are in wanted, in index order.
entry_paths(rule_path, rule, field, wanted) := [sprintf("%s.%s[%d]", [rule_path, field, n]) |
	some n, entry in rule[field]
	entry in wanted
]

binding_paths(binding_idx, subject_idx) := [
	sprintf("relatedObjects[%d].subjects[%d]", [binding_idx, subject_idx]),
	sprintf("relatedObjects[%d].roleRef.name", [binding_idx]),
]

# The vector is a copy of one entry of binding.subjects. A missing namespace
# (service account in a RoleBinding) or apiGroup compares as "".
same_subject(vector, subject) if {
	vector.kind == subject.kind
	vector.name == subject.name
	object.get(vector, "namespace", "") == object.get(subject, "namespace", "")
	object.get(vector, "apiGroup", "") == object.get(subject, "apiGroup", "")
}
