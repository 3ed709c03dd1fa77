namespace Parley.Node.Options;

/// <summary>The browser app a node serves, and what it tells the app about its surroundings.</summary>
public sealed class WebOptions
{
    /// <summary>
    /// Folder of the built web app, served at <c>/</c>. Empty (default): <c>wwwroot</c> beside the
    /// node's executable, where the build copies <c>web/dist</c>. Relative paths are from the working
    /// directory. A folder without <c>index.html</c> serves a page saying how to build the app.
    /// </summary>
    public string Root { get; set; } = "";

    /// <summary>
    /// Base URL of the auth service as a browser should call it, given to the app by
    /// <c>/api/v1/web/config</c>: an absolute http(s) URL, or a path on the node's own origin such as
    /// <c>/auth</c> when a proxy forwards it (what <c>parley cluster up</c> sets). Empty (default): no
    /// auth service; the app offers development sign-in where the node allows it.
    /// </summary>
    public string AuthUrl { get; set; } = "";

    /// <summary>
    /// How often a node publishes its registry entry with its running totals, when that is more
    /// often than <c>Presence:HeartbeatInterval</c>: other nodes' figures in the operator's overview
    /// are at most this old, so the dashboard's per-node rates (polled every second) stay smooth.
    /// Default 1 s: one small Redis write per node per second. 1 s to 1 minute.
    /// </summary>
    public TimeSpan StatsInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>The folder <see cref="Root"/> names, made absolute.</summary>
    public string ResolvedRoot() => Path.GetFullPath(Root.Length > 0 ? Root : Path.Combine(AppContext.BaseDirectory, "wwwroot"));

    /// <summary>Whether <paramref name="url"/> is a valid <see cref="AuthUrl"/>: empty, a rooted path (not <c>//</c>), or an absolute http(s) URL.</summary>
    public static bool IsValidAuthUrl(string url) =>
        url.Length == 0
        || (url[0] == '/' && !url.StartsWith("//", StringComparison.Ordinal) && !url.Any(char.IsWhiteSpace))
        || (Uri.TryCreate(url, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps));
}
