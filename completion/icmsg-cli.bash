# SPDX-License-Identifier: MIT
# bash completion for icmsg-cli.
#
# Commands and options are read from the program's own --help (the one on
# the command line, else the one in $PATH), so they never go stale; option
# values are completed by what they are: instance names from the
# configuration given with -c/--config (else $ICMSG_CONFIG) through
# `icmsg-cli config instances`, fixed words for modes, files for paths.
# Needs bash 4, sed and awk; not the bash-completion package.

# _icmsg_cli_options CLI [COMMAND]: one "LONG|SHORT|ARG|OPTARG" line per
# option of COMMAND's --help, each option once. SHORT, ARG and OPTARG may
# be empty; ARG is the placeholder of an argument ("--config FILE"), OPTARG
# that of an optional one ("--watch[=MS]"). Options are the lines indented
# by 2 ("  -c, --config FILE") or 6 ("      --control PATH"); wrapped
# descriptions are indented further.
_icmsg_cli_options()
{
	local cli=$1 word='[A-Z][A-Z0-9_|-]*' line
	line="^(  (-[A-Za-z0-9]), |      )(--[A-Za-z0-9-]+)( ($word)|\\[=($word)\\])?( .*)?\$"
	shift
	"$cli" "$@" --help 2>/dev/null | sed -nE "s/$line/\\3|\\2|\\5|\\6/p" |
		awk -F'|' '!seen[$1]++'
}

# _icmsg_cli_commands CLI: the command names of CLI's --help.
_icmsg_cli_commands()
{
	local names
	names=$("$1" --help 2>/dev/null | sed -n '/^Commands:/,/^$/{s/^  \([a-z][a-z-]*\) .*/\1/p}')
	echo "${names:-send recv status monitor sim dump config}"
}

# _icmsg_cli_reply WORD...: set COMPREPLY to the WORDs that start with $cur.
_icmsg_cli_reply()
{
	mapfile -t COMPREPLY < <(compgen -W "$*" -- "$cur")
}

# _icmsg_cli_files [-d]: complete file (or with -d, directory) names.
_icmsg_cli_files()
{
	compopt -o filenames 2>/dev/null
	mapfile -t COMPREPLY < <(compgen "${1:--f}" -- "$cur")
}

_icmsg_cli()
{
	local cur prev cli cmd='' cmd_idx=0 config=${ICMSG_CONFIG:-} i w long short arg optarg
	local eq=''
	local -a pos=() all=()
	local -A takes_arg=() optional_arg=() long_of=()

	COMPREPLY=()
	cur=${COMP_WORDS[COMP_CWORD]}
	prev=
	((COMP_CWORD > 0)) && prev=${COMP_WORDS[COMP_CWORD - 1]}
	cli=${COMP_WORDS[0]}
	# A path the user typed as ~/...: run it as the shell would.
	# shellcheck disable=SC2088 # the literal ~ is what is matched
	[[ $cli == '~/'* ]] && cli=$HOME/${cli#'~/'}

	# --opt=value: '=' is in COMP_WORDBREAKS, so the option, '=' and the
	# value arrive as words of their own.
	if [[ $cur == = ]]; then
		cur=''
		eq=1
	elif [[ $prev == = ]] && ((COMP_CWORD > 1)); then
		prev=${COMP_WORDS[COMP_CWORD - 2]}
		eq=1
	fi

	# The command: the first word that is not an option (the global
	# options -h and -V take no argument).
	for ((i = 1; i < COMP_CWORD; i++)); do
		w=${COMP_WORDS[i]}
		if [[ $w != -* ]]; then
			cmd=$w
			cmd_idx=$i
			break
		fi
	done
	if [[ -z $cmd ]]; then
		if [[ $cur == -* ]]; then
			_icmsg_cli_reply --help --version -h -V
		else
			_icmsg_cli_reply "$(_icmsg_cli_commands "$cli")"
		fi
		return 0
	fi

	while IFS='|' read -r long short arg optarg; do
		all+=("$long")
		[[ -n $short ]] && all+=("$short") && long_of[$short]=$long
		[[ -n $arg ]] && takes_arg[$long]=$arg
		[[ -n $optarg ]] && optional_arg[$long]=$optarg
	done < <(_icmsg_cli_options "$cli" "$cmd")

	# Skip the options (and their values) to find the positional
	# arguments before the cursor, and note the configuration file.
	for ((i = cmd_idx + 1; i < COMP_CWORD; i++)); do
		w=${COMP_WORDS[i]}
		if [[ $w != -* || $w == - ]]; then
			pos+=("$w")
			continue
		fi
		long=${long_of[$w]:-$w}
		if [[ ${COMP_WORDS[i + 1]:-} == = ]]; then
			((i++)) # --opt=value, the value is the next word
		elif [[ -z ${takes_arg[$long]:-} ]]; then
			continue # no value, or an optional one not given
		fi
		((i++))
		if ((i < COMP_CWORD)) && [[ $long == --config ]]; then
			config=${COMP_WORDS[i]}
		fi
	done
	# shellcheck disable=SC2088
	[[ $config == '~/'* ]] && config=$HOME/${config#'~/'}

	# The value of an option: the next word, or after '=' for an optional one.
	if [[ $prev == -* ]]; then
		long=${long_of[$prev]:-$prev}
		arg=${takes_arg[$long]:-}
		[[ -z $arg && -n $eq ]] && arg=${optional_arg[$long]:-}
		if [[ -n $arg ]]; then
			case $long in
			--instance)
				[[ -n $config ]] &&
					_icmsg_cli_reply "$("$cli" config instances "$config" 2>/dev/null)"
				;;
			--unbound) _icmsg_cli_reply disable enable detect ;;
			--mode) _icmsg_cli_reply echo sink generate ;;
			--pattern) _icmsg_cli_reply counter random zero text ;;
			--corrupt) _icmsg_cli_reply wr-index length magic ;;
			--region) _icmsg_cli_reply rx tx ;;
			--timestamp) _icmsg_cli_reply iso mono ;;
			*)
				case $arg in
				FILE | PATH) _icmsg_cli_files ;;
				DIR) _icmsg_cli_files -d ;;
				esac
				;;
			esac
			return 0
		fi
	fi

	if [[ $cur == -* ]]; then
		_icmsg_cli_reply "${all[@]}"
		return 0
	fi

	case $cmd in
	send | recv | status)
		# INSTANCE comes first; the rest of send's are messages.
		if ((${#pos[@]} == 0)) && [[ -n $config ]]; then
			_icmsg_cli_reply "$("$cli" config instances "$config" 2>/dev/null)"
		fi
		;;
	config)
		if ((${#pos[@]} == 0)); then
			_icmsg_cli_reply check instances
		else
			_icmsg_cli_files
		fi
		;;
	esac
	return 0
}

complete -F _icmsg_cli icmsg-cli
