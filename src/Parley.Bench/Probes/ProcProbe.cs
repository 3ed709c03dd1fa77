using System.Globalization;

namespace Parley.Bench.Probes;

/// <summary>
/// Local server processes read from /proc: <c>VmRSS</c> of /proc/&lt;pid&gt;/status and
/// utime+stime of /proc/&lt;pid&gt;/stat in clock ticks, summed over every process (two nodes of a
/// cluster count as one server). Works for any server, Parley or peer.
/// </summary>
internal sealed class ProcProbe(params int[] pids) : IServerProbe
{
    /// <summary>USER_HZ: /proc reports times in these ticks, 100 a second on every Linux the kernel ABI allows.</summary>
    private const double TicksPerSecond = 100;

    public string Source => string.Join(" + ", pids.Select(p => $"/proc/{p}"));

    public Task<ServerSample?> SampleAsync(CancellationToken cancellationToken)
    {
        long resident = 0;
        double ticks = 0;
        foreach (var pid in pids)
        {
            try
            {
                var rss = ParseResidentBytes(File.ReadAllText($"/proc/{pid}/status"));
                var cpu = ParseCpuTicks(File.ReadAllText($"/proc/{pid}/stat"));
                if (rss is not { } bytes || cpu < 0)
                {
                    return Task.FromResult<ServerSample?>(null);
                }

                resident += bytes;
                ticks += cpu;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                return Task.FromResult<ServerSample?>(null);
            }
        }

        return Task.FromResult<ServerSample?>(new ServerSample(resident, ticks / TicksPerSecond, DateTime.UtcNow));
    }

    /// <summary>VmRSS in bytes from the text of /proc/&lt;pid&gt;/status ("VmRSS:   123456 kB").</summary>
    internal static long? ParseResidentBytes(string status)
    {
        foreach (var line in status.AsSpan().EnumerateLines())
        {
            if (line.StartsWith("VmRSS:"))
            {
                var value = line["VmRSS:".Length..].Trim();
                var space = value.IndexOf(' ');
                var number = space < 0 ? value : value[..space];
                return long.TryParse(number, NumberStyles.None, CultureInfo.InvariantCulture, out var kb) ? kb * 1024 : null;
            }
        }

        return null;
    }

    /// <summary>utime + stime (fields 14 and 15) from /proc/&lt;pid&gt;/stat; the command name may hold spaces, so fields are counted after its closing parenthesis.</summary>
    internal static double ParseCpuTicks(string stat)
    {
        var close = stat.LastIndexOf(')');
        if (close < 0)
        {
            return -1;
        }

        var fields = stat[(close + 2)..].Split(' ');
        // After the name, field 3 (state) is index 0, so utime (14) is index 11 and stime (15) index 12.
        return fields.Length > 12
            && long.TryParse(fields[11], NumberStyles.None, CultureInfo.InvariantCulture, out var user)
            && long.TryParse(fields[12], NumberStyles.None, CultureInfo.InvariantCulture, out var system)
            ? user + system
            : -1;
    }
}
