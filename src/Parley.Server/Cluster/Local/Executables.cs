namespace Parley.Server.Cluster.Local;

/// <summary>Finds the programs a local cluster needs, and says clearly which one is missing and how to get it.</summary>
public static class Executables
{
    /// <summary>Extra places Debian puts server programs that are not on an ordinary user's PATH.</summary>
    private static readonly string[] ExtraDirectories = ["/usr/sbin", "/sbin", "/usr/local/sbin"];

    /// <summary>The full path of <paramref name="program"/>, or null.</summary>
    public static string? Find(string program)
    {
        var path = Environment.GetEnvironmentVariable("PATH") ?? "";
        foreach (var directory in path.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries).Concat(ExtraDirectories))
        {
            var candidate = Path.Combine(directory, program);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    /// <summary>The full path of <paramref name="program"/>; throws <see cref="MissingProgramException"/> naming the package otherwise.</summary>
    public static string Require(string program, string debianPackage)
        => Find(program) ?? throw new MissingProgramException(program, debianPackage);

    /// <summary>PostgreSQL's server programs live in a versioned directory; the newest installed wins.</summary>
    public static string RequirePostgres(string program)
    {
        var root = "/usr/lib/postgresql";
        if (Directory.Exists(root))
        {
            foreach (var version in Directory.GetDirectories(root).OrderByDescending(d => int.TryParse(Path.GetFileName(d), out var v) ? v : 0))
            {
                var candidate = Path.Combine(version, "bin", program);
                if (File.Exists(candidate))
                {
                    return candidate;
                }
            }
        }

        return Require(program, "postgresql");
    }
}

/// <summary>A program a local cluster needs is not installed.</summary>
public sealed class MissingProgramException(string program, string debianPackage)
    : Exception($"'{program}' is not installed. On Debian or Ubuntu: apt-get install {debianPackage}")
{
    public string Program { get; } = program;
}
