package armo_builtins

import rego.v1

# Without a client CA the kubelet cannot authenticate clients by certificate,
# so the API server's own kubelet client certificate means nothing to it.
# The CA comes from --client-ca-file or, failing that, from
# authentication.x509.clientCAFile in the configuration file.

# Configuration file without a client CA.
deny contains msga if {
	some obj in input
	is_kubelet_info(obj)
	args := cmd_args(obj)
	not flag_set(args, "--client-ca-file")
	has_flag(args, "--config")
	cfg := config(obj)
	not object.get(cfg, ["authentication", "x509", "clientCAFile"], "") != ""

	msga := {
		"alertMessage": "kubelet client TLS authentication is not enabled",
		"packagename": "armo_builtins",
		"alertScore": 6,
		"reviewPaths": ["authentication.x509.clientCAFile"],
		"failedPaths": ["authentication.x509.clientCAFile"],
		"fixPaths": [],
		"alertObject": {"externalObjects": {
			"apiVersion": obj.apiVersion,
			"kind": obj.kind,
			"metadata": obj.metadata,
			"data": {"configFile": {"content": config_text(obj)}},
		}},
	}
}

# Neither the flag nor a configuration file.
deny contains msga if {
	some obj in input
	is_kubelet_info(obj)
	args := cmd_args(obj)
	not flag_set(args, "--client-ca-file")
	not has_flag(args, "--config")

	msga := {
		"alertMessage": "kubelet client TLS authentication is not enabled",
		"packagename": "armo_builtins",
		"alertScore": 6,
		"reviewPaths": [],
		"failedPaths": [],
		"fixPaths": [],
		"alertObject": {"externalObjects": {
			"apiVersion": obj.apiVersion,
			"kind": obj.kind,
			"metadata": obj.metadata,
			"data": {"cmdLine": obj.data.cmdLine},
		}},
	}
}

# The configuration file decides but the host sensor could not read it, or
# it does not parse: say so rather than pass.
deny contains msga if {
	some obj in input
	is_kubelet_info(obj)
	args := cmd_args(obj)
	not flag_set(args, "--client-ca-file")
	has_flag(args, "--config")
	not config_readable(obj)

	msga := {
		"alertMessage": "Failed to analyze config file",
		"packagename": "armo_builtins",
		"alertScore": 6,
		"reviewPaths": [],
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

flag_set(args, name) if {
	some v in flag_values(args, name)
	v != ""
}

# ---- the kubelet command line ----

is_kubelet_info(obj) if {
	obj.apiVersion == "hostdata.kubescape.cloud/v1beta0"
	obj.kind == "KubeletInfo"
}

# The command line as a list of arguments.
cmd_args(obj) := [a | some a in split(obj.data.cmdLine, " "); a != ""]

# The values given to a flag, in order, in the --name=value or the
# --name value form (the last one wins).
flag_values(args, name) := [v | some i, _ in args; v := flag_value(args, i, name)]

flag_value(args, i, name) := substring(args[i], count(name) + 1, -1) if {
	startswith(args[i], concat("", [name, "="]))
}

flag_value(args, i, name) := args[i + 1] if args[i] == name

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
