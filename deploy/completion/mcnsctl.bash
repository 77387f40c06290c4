# bash completion for mcnsctl (installed by deploy/scripts/install.sh into
# /usr/share/bash-completion/completions/mcnsctl; or: source deploy/completion/mcnsctl.bash).
# Completes commands, subcommands and flags; zone names are asked from the server with
# `mcnsctl zones ls -o json` when a ZONE is expected (silently nothing if that fails).
_mcnsctl_zones() {
  mcnsctl "${_mcnsctl_global[@]}" zones ls -o json 2>/dev/null |
    sed -n 's/^ *"Name": "\([^"]*\)".*/\1/p'
}

_mcnsctl() {
  local cur prev words cword
  _init_completion 2>/dev/null || {
    cur=${COMP_WORDS[COMP_CWORD]}; prev=${COMP_WORDS[COMP_CWORD-1]}
    words=("${COMP_WORDS[@]}"); cword=$COMP_CWORD
  }
  local globals="--server --token-file --ca-cert -o --output --help"
  case $prev in
    -o|--output) COMPREPLY=($(compgen -W "table json" -- "$cur")); return ;;
    --token-file|--ca-cert) COMPREPLY=($(compgen -f -- "$cur")); return ;;
    --server|--username|-u|--totp|--name|--value|--ttl|--primary-ns|--admin-email|--refresh|--retry|--expire|--minimum-ttl)
      return ;;
    --type) COMPREPLY=($(compgen -W "A AAAA CNAME NS MX TXT SRV CAA PTR" -- "$cur")); return ;;
  esac

  # The command words typed so far (flags and their values skipped), and the global flags
  # to pass on when asking the server for zone names.
  local -a cmd=()
  _mcnsctl_global=()
  local i w
  for ((i = 1; i < cword; i++)); do
    w=${words[i]}
    case $w in
      --server|--token-file|--ca-cert) _mcnsctl_global+=("$w" "${words[i+1]}"); ((i++)) ;;
      -o|--output|--username|-u|--totp|--name|--type|--value|--ttl|--primary-ns|--admin-email|--refresh|--retry|--expire|--minimum-ttl|--after-serial|--limit) ((i++)) ;;
      -*) ;;
      *) cmd+=("$w") ;;
    esac
  done

  local opts=""
  case "${cmd[0]}" in
    "") COMPREPLY=($(compgen -W "login logout health frontends zones records apply history rollback import export watch version $globals" -- "$cur")); return ;;
    login) opts="--username --totp" ;;
    zones)
      case "${cmd[1]}" in
        "") COMPREPLY=($(compgen -W "ls show create update rm" -- "$cur")); return ;;
        create|update) opts="--primary-ns --admin-email --refresh --retry --expire --minimum-ttl" ;;
      esac
      if [[ ${cmd[1]} =~ ^(show|update|rm)$ && ${#cmd[@]} -eq 2 && $cur != -* ]]; then
        COMPREPLY=($(compgen -W "$(_mcnsctl_zones)" -- "$cur")); return
      fi ;;
    records)
      case "${cmd[1]}" in
        "") COMPREPLY=($(compgen -W "ls add update rm" -- "$cur")); return ;;
        ls) opts="--name --type" ;;
        add) opts="--ttl --wait" ;;
        update) opts="--name --type --value --ttl --wait" ;;
        rm) opts="--wait" ;;
      esac
      if [[ -n ${cmd[1]} && ${#cmd[@]} -eq 2 && $cur != -* ]]; then
        COMPREPLY=($(compgen -W "$(_mcnsctl_zones)" -- "$cur")); return
      fi
      if [[ ${cmd[1]} == add && ${#cmd[@]} -eq 4 ]]; then
        COMPREPLY=($(compgen -W "A AAAA CNAME NS MX TXT SRV CAA PTR" -- "$cur")); return
      fi ;;
    apply)
      opts="--wait"
      if [[ ${#cmd[@]} -eq 1 && $cur != -* ]]; then COMPREPLY=($(compgen -W "$(_mcnsctl_zones)" -- "$cur")); return; fi
      if [[ ${#cmd[@]} -eq 2 && $cur != -* ]]; then COMPREPLY=($(compgen -f -- "$cur")); return; fi ;;
    history)
      opts="--after-serial --limit"
      if [[ ${#cmd[@]} -eq 1 && $cur != -* ]]; then COMPREPLY=($(compgen -W "$(_mcnsctl_zones)" -- "$cur")); return; fi ;;
    rollback)
      opts="--wait"
      if [[ ${#cmd[@]} -eq 1 && $cur != -* ]]; then COMPREPLY=($(compgen -W "$(_mcnsctl_zones)" -- "$cur")); return; fi ;;
    import)
      if [[ ${#cmd[@]} -eq 1 && $cur != -* ]]; then COMPREPLY=($(compgen -W "$(_mcnsctl_zones)" -- "$cur")); return; fi
      if [[ ${#cmd[@]} -eq 2 ]]; then COMPREPLY=($(compgen -f -- "$cur")); return; fi ;;
    export)
      opts="--out"
      if [[ ${#cmd[@]} -eq 1 && $cur != -* ]]; then COMPREPLY=($(compgen -W "$(_mcnsctl_zones)" -- "$cur")); return; fi ;;
    watch)
      if [[ ${#cmd[@]} -eq 1 && $cur != -* ]]; then COMPREPLY=($(compgen -W "$(_mcnsctl_zones)" -- "$cur")); return; fi ;;
  esac
  COMPREPLY=($(compgen -W "$opts $globals" -- "$cur"))
}
complete -F _mcnsctl mcnsctl
