namespace Parley.Node.Options;

/// <summary>Where a node reads tenant settings (quotas, switches, tenant keys, API keys) from.</summary>
public sealed class DirectoryOptions
{
    /// <summary>Base URL of the auth service (e.g. <c>http://auth.internal:9000</c>). Empty (the default): no directory; configured limits only.</summary>
    public string Url { get; set; } = "";

    /// <summary>The credential the auth service accepts for its internal tenant listing (its operator token).</summary>
    public string Token { get; set; } = "";

    /// <summary>How often the node asks for changes (a cheap conditional request). Default 2 s: edits apply within seconds.</summary>
    public TimeSpan RefreshInterval { get; set; } = TimeSpan.FromSeconds(2);
}
