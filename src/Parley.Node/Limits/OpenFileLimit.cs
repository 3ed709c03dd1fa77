using System.Runtime.InteropServices;

namespace Parley.Node.Limits;

/// <summary>
/// The process's open-file limit (RLIMIT_NOFILE) and the connection cap derived from it. Every
/// TCP connection holds a file descriptor; a node that runs out of them cannot accept, open its
/// store or even start a diagnostics session, so connections are capped below the limit with a
/// reserve for everything else.
/// </summary>
internal static class OpenFileLimit
{
    /// <summary>Descriptors kept for the runtime (about 300 at start: assemblies, pipes, epoll), the store, Redis and PostgreSQL.</summary>
    public const int MinimumReserve = 512;

    private const int RlimitNofileLinux = 7;

    /// <summary>The soft open-file limit, or null where it is unknown or unlimited.</summary>
    public static long? Current()
    {
        if (!OperatingSystem.IsLinux() || GetResourceLimit(RlimitNofileLinux, out var limit) != 0 || limit.Current >= (ulong)long.MaxValue)
        {
            return null;
        }

        return (long)limit.Current;
    }

    /// <summary>
    /// The connection cap: <paramref name="configured"/> when positive; otherwise the open-file
    /// limit less the larger of <see cref="MinimumReserve"/> and a tenth of it (at least 64), or
    /// null (no cap) when the limit is unknown.
    /// </summary>
    public static long? ConnectionCap(int configured, long? fileLimit)
    {
        if (configured > 0)
        {
            return configured;
        }

        return fileLimit is { } limit ? Math.Max(64, limit - Math.Max(MinimumReserve, limit / 10)) : null;
    }

    // Plain P/Invoke of getrlimit with a blittable struct: no marshalling, no unsafe code.
    [DllImport("libc", EntryPoint = "getrlimit", SetLastError = true)]
    private static extern int GetResourceLimit(int resource, out ResourceLimit limit);

    [StructLayout(LayoutKind.Sequential)]
    private struct ResourceLimit
    {
        public ulong Current;
        public ulong Maximum;
    }
}
