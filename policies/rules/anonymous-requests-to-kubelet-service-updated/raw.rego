package armo_builtins

import rego.v1

# An anonymous request to the kubelet API (10250) is let in as
# system:anonymous; with a permissive authorization mode that is exec into
# every pod on the node. The command line wins over the configuration file;
# with neither, the kubelet's built-in default (anonymous enabled) applies.

# --anonymous-auth on the command line turns it on.
deny contains msga if {
	some obj in input
	is_kubelet_info(obj)
	args := cmd_args(obj)
	values := bool_flag_values(args, "--anonymous-auth")
	count(values) > 0
	values[count(values) - 1] in {"1", "t", "T", "TRUE", "true", "True"}

	msga := {
		"alertMessage": "Anonymous requests is enabled.",
		"packagename": "armo_builtins",
		"alertScore": 7,
		"failedPaths": [],
		"fixPaths": [],
		"alertObject": {"externalObjects": json.filter(obj, ["apiVersion", "data/cmdLine", "kind", "metadata"])},
	}
}

# Neither --anonymous-auth nor --config: the flag default is true.
deny contains msga if {
	some obj in input
	is_kubelet_info(obj)
	args := cmd_args(obj)
	not has_flag(args, "--anonymous-auth")
	not has_flag(args, "--config")

	msga := {
		"alertMessage": "Anonymous requests is enabled.",
		"packagename": "armo_builtins",
		"alertScore": 7,
		"failedPaths": [],
		"fixPaths": [],
		"alertObject": {"externalObjects": json.filter(obj, ["apiVersion", "data/cmdLine", "kind", "metadata"])},
	}
}

# Only the configuration file decides (a KubeletConfiguration leaves it off
# unless authentication.anonymous.enabled is true).
deny contains msga if {
	some obj in input
	is_kubelet_info(obj)
	args := cmd_args(obj)
	not has_flag(args, "--anonymous-auth")
	has_flag(args, "--config")
	config(obj).authentication.anonymous.enabled == true

	msga := {
		"alertMessage": "Anonymous requests is enabled.",
		"packagename": "armo_builtins",
		"alertScore": 7,
		"reviewPaths": ["authentication.anonymous.enabled"],
		"failedPaths": ["authentication.anonymous.enabled"],
		"fixPaths": [],
		"alertObject": {"externalObjects": {
			"apiVersion": obj.apiVersion,
			"kind": obj.kind,
			"metadata": obj.metadata,
			"data": {"configFile": {"content": config_text(obj)}},
		}},
	}
}

# The configuration file decides but the host sensor could not read it, or
# it does not parse: say so rather than pass.
deny contains msga if {
	some obj in input
	is_kubelet_info(obj)
	args := cmd_args(obj)
	not has_flag(args, "--anonymous-auth")
	has_flag(args, "--config")
	not config_readable(obj)

	msga := {
		"alertMessage": "Failed to analyze config file",
		"packagename": "armo_builtins",
		"alertScore": 7,
		"failedPaths": [],
		"fixPaths": [],
		"alertObject": {"externalObjects": {
			"apiVersion": obj.apiVersion,
			"kind": obj.kind,
			"metadata": obj.metadata,
			"data": obj.data,
		}},
	}
}

# A bare boolean flag means true; "--anonymous-auth false" with a space is
# the flag (true) followed by a stray argument, as the Go flag parser reads it.
bool_flag_values(args, name) := [v | some a in args; v := bool_flag_value(a, name)]

bool_flag_value(a, name) := "true" if a == name

bool_flag_value(a, name) := substring(a, count(name) + 1, -1) if {
	startswith(a, concat("", [name, "="]))
}

# ---- the kubelet command line ----

is_kubelet_info(obj) if {
	obj.apiVersion == "hostdata.kubescape.cloud/v1beta0"
	obj.kind == "KubeletInfo"
}

# The command line as a list of arguments.
cmd_args(obj) := [a | some a in split(obj.data.cmdLine, " "); a != ""]

has_flag(args, name) if {
	some a in args
	flag_arg(a, name)
}

flag_arg(a, name) if a == name

flag_arg(a, name) if startswith(a, concat("", [name, "="]))

# The kubelet configuration file (KubeletConfiguration, YAML or JSON) as sent
# by the host sensor, base64-encoded.
config_text(obj) := base64.decode(obj.data.configFile.content)

config(obj) := yaml.unmarshal(config_text(obj))

config_readable(obj) if is_object(config(obj))
