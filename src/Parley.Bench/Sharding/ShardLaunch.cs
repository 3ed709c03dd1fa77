using System.Diagnostics;

namespace Parley.Bench.Sharding;

/// <summary>
/// How a sharded run starts its children: the program (<paramref name="FileName"/>, e.g. the
/// <c>parley</c> apphost or <c>dotnet</c>), the arguments before the command (<c>parley.dll</c>
/// under <c>dotnet</c>), and the <c>bench …</c> arguments the run itself was given.
/// </summary>
internal sealed record ShardLaunch(string FileName, IReadOnlyList<string> Prefix, IReadOnlyList<string> BenchArguments)
{
    /// <summary>Options the parent decides for each child: given again, they would be repeated.</summary>
    private static readonly string[] Replaced = ["--out", "--processes", "--shard"];

    public ProcessStartInfo StartInfo(ShardSpec spec, string resultDirectory)
    {
        var info = new ProcessStartInfo(FileName)
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in Prefix.Concat(ChildArguments(BenchArguments, spec, resultDirectory)))
        {
            info.ArgumentList.Add(argument);
        }

        info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        return info;
    }

    /// <summary>
    /// The run's own arguments without <c>--out</c>, <c>--processes</c> and <c>--shard</c> (in the
    /// forms <c>--out x</c>, <c>--out=x</c> and <c>--out:x</c>), then the shard and its own result directory.
    /// </summary>
    internal static List<string> ChildArguments(IReadOnlyList<string> arguments, ShardSpec spec, string resultDirectory)
    {
        var kept = new List<string>(arguments.Count + 4);
        for (var i = 0; i < arguments.Count; i++)
        {
            var argument = arguments[i];
            if (Replaced.Contains(argument, StringComparer.Ordinal))
            {
                i++;
                continue;
            }

            if (Replaced.Any(o => argument.StartsWith(o + "=", StringComparison.Ordinal) || argument.StartsWith(o + ":", StringComparison.Ordinal)))
            {
                continue;
            }

            kept.Add(argument);
        }

        kept.AddRange(["--shard", spec.ToString(), "--out", resultDirectory]);
        return kept;
    }
}
