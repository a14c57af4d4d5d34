import { Argument, type Command } from 'commander';
import type { CliRuntime } from '../cli-runtime';

interface CompletionNode {
  path: string;
  words: string[];
  valueOptions: string[];
}

/** Every command under `command` with what may follow it: sub-commands and options, and the options that take a value. */
function completionNodes(command: Command, path = ''): CompletionNode[] {
  const subcommands = command.commands.filter((sub) => !(sub as unknown as { _hidden?: boolean })._hidden);
  const options = command.options.filter((option) => !option.hidden);
  const flags = options.flatMap((option) => [option.long, option.short]).filter((flag): flag is string => Boolean(flag));
  const node = {
    path,
    words: [...subcommands.map((sub) => sub.name()), ...flags, '--help'],
    valueOptions: options.filter((option) => option.required || option.optional).flatMap((option) => [option.long, option.short]).filter((flag): flag is string => Boolean(flag)),
  };
  return [node, ...subcommands.flatMap((sub) => completionNodes(sub, path ? `${path} ${sub.name()}` : sub.name()))];
}

/** A bash completion script for `program`'s commands and options, with context names and output formats completed too. */
export function bashCompletion(program: Command): string {
  const nodes = completionNodes(program);
  const quoted = (words: string[]) => `'${words.join(' ')}'`;
  const paths = nodes.filter((node) => node.path).map((node) => `'${node.path}'`);
  const wordsCases = nodes.map((node) => `    '${node.path}') words=${quoted(node.words)} ;;`);
  const valueCases = nodes.filter((node) => node.valueOptions.length).map((node) => `    '${node.path}') values=${quoted(node.valueOptions)} ;;`);
  return `# bash completion for capstan; load it with: source <(capstan completion bash)
_capstan() {
  local cur prev path word words values i
  cur="\${COMP_WORDS[COMP_CWORD]}"
  prev="\${COMP_WORDS[COMP_CWORD-1]}"
  path=""
  for ((i = 1; i < COMP_CWORD; i++)); do
    word="\${COMP_WORDS[i]}"
    case "\${path:+$path }$word" in
      ${paths.join('|')}) path="\${path:+$path }$word" ;;
    esac
  done
  values=""
  case "$path" in
${valueCases.join('\n')}
  esac
  if [[ " $values " == *" $prev "* ]]; then
    case "$prev" in
      -o|--output) COMPREPLY=($(compgen -W 'table json yaml name' -- "$cur")) ;;
      --context) [[ "$path" == agent* || "$path" == render* ]] && COMPREPLY=() || COMPREPLY=($(compgen -W "$(capstan context list -o name 2>/dev/null)" -- "$cur")) ;;
      *) COMPREPLY=($(compgen -f -- "$cur")) ;;
    esac
    return
  fi
  words=""
  case "$path" in
${wordsCases.join('\n')}
  esac
  [[ "$path" == "context use" && "$cur" != -* ]] && words="$(capstan context list -o name 2>/dev/null)"
  COMPREPLY=($(compgen -W "$words" -- "$cur"))
}
complete -F _capstan capstan
`;
}

/** `capstan completion bash`: prints the completion script. */
export function registerCompletionCommand(program: Command, runtime: CliRuntime): void {
  program
    .command('completion')
    .description('print a shell completion script: source <(capstan completion bash)')
    .addArgument(new Argument('<shell>', 'the shell').choices(['bash']))
    .action(() => {
      runtime.stdout.write(bashCompletion(program));
    });
}
