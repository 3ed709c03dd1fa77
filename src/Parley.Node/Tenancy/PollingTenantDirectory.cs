using System.Collections.Frozen;
using System.Net;
using System.Net.Http.Headers;
using Microsoft.Extensions.Options;
using Parley.Node.Options;

namespace Parley.Node.Tenancy;

/// <summary>
/// The tenant directory of a node configured with <c>Parley:Directory:Url</c>: a local copy of the
/// auth service's tenant listing, refreshed every <c>RefreshInterval</c> with a conditional
/// request (ETag), so an edit reaches every node within seconds and an unchanged listing costs a
/// 304. While the auth service is unreachable the last copy stays in force.
/// </summary>
internal sealed class PollingTenantDirectory : BackgroundService, ITenantDirectory
{
    private readonly HttpClient _http;
    private readonly DirectoryOptions _options;
    private readonly TimeProvider _clock;
    private readonly ILogger<PollingTenantDirectory> _logger;
    private readonly ApiKeyUsage _usage;
    private readonly TaskCompletionSource _firstLoad = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Snapshot _snapshot = Snapshot.Empty;
    private string? _etag;
    private long _version;

    public PollingTenantDirectory(HttpClient http, IOptions<ParleyOptions> options, ApiKeyUsage usage, TimeProvider clock, ILogger<PollingTenantDirectory> logger)
    {
        _http = http;
        _usage = usage;
        _options = options.Value.Directory;
        _clock = clock;
        _logger = logger;
        _http.BaseAddress = new Uri(_options.Url.TrimEnd('/') + "/");
        _http.Timeout = TimeSpan.FromSeconds(5);
    }

    public long Version => Volatile.Read(ref _version);

    /// <summary>Completes after the first successful load (tests and start-up ordering).</summary>
    public Task FirstLoad => _firstLoad.Task;

    public TenantSettings? Find(string tenant) => Volatile.Read(ref _snapshot).Tenants.GetValueOrDefault(tenant);

    public (string Tenant, ApiKeyRecord Key)? FindApiKey(string sha256)
        => Volatile.Read(ref _snapshot).ApiKeys.TryGetValue(sha256, out var found) ? found : null;

    /// <summary>Reports API key usage, then one conditional fetch; true when the copy changed. Public for tests.</summary>
    public async Task<bool> RefreshAsync(CancellationToken cancellationToken)
    {
        await ReportUsageAsync(cancellationToken);
        using var request = new HttpRequestMessage(HttpMethod.Get, "internal/v1/tenants");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _options.Token);
        if (_etag is not null)
        {
            request.Headers.TryAddWithoutValidation("If-None-Match", _etag);
        }

        using var response = await _http.SendAsync(request, cancellationToken);
        if (response.StatusCode == HttpStatusCode.NotModified)
        {
            _firstLoad.TrySetResult();
            return false;
        }

        response.EnsureSuccessStatusCode();
        var body = await response.Content.ReadAsByteArrayAsync(cancellationToken);
        var (_, tenants) = TenantDirectoryDocument.Parse(body);
        Volatile.Write(ref _snapshot, Snapshot.Of(tenants));
        _etag = response.Headers.ETag?.ToString();
        Interlocked.Increment(ref _version);
        _firstLoad.TrySetResult();
        DirectoryLog.Loaded(_logger, tenants.Count);
        return true;
    }

    /// <summary>Hands the last-used times of API keys to the auth service; on failure they wait for the next refresh.</summary>
    private async Task ReportUsageAsync(CancellationToken cancellationToken)
    {
        var usage = _usage.Drain();
        if (usage.Count == 0)
        {
            return;
        }

        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "internal/v1/api-keys/usage")
            {
                Content = System.Net.Http.Json.JsonContent.Create(new { usage = usage.ToDictionary(u => u.Key, u => u.Value) }),
            };
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _options.Token);
            using var response = await _http.SendAsync(request, cancellationToken);
            response.EnsureSuccessStatusCode();
        }
        catch
        {
            _usage.Restore(usage);
            throw;
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(_options.RefreshInterval, _clock);
        do
        {
            try
            {
                await RefreshAsync(stoppingToken);
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException or System.Text.Json.JsonException && !stoppingToken.IsCancellationRequested)
            {
                DirectoryLog.RefreshFailed(_logger, e);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    private sealed record Snapshot(FrozenDictionary<string, TenantSettings> Tenants, FrozenDictionary<string, (string Tenant, ApiKeyRecord Key)> ApiKeys)
    {
        public static Snapshot Empty { get; } = Of([]);

        public static Snapshot Of(IReadOnlyList<TenantSettings> tenants)
            => new(
                tenants.ToFrozenDictionary(t => t.Tenant, StringComparer.Ordinal),
                tenants.SelectMany(t => t.ApiKeys.Select(k => (t.Tenant, Key: k)))
                    .GroupBy(x => x.Key.Sha256, StringComparer.Ordinal)
                    .ToFrozenDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal));
    }
}

internal static partial class DirectoryLog
{
    [LoggerMessage(EventId = 2500, Level = LogLevel.Information, Message = "Tenant directory loaded: {Count} tenants.")]
    public static partial void Loaded(ILogger logger, int count);

    [LoggerMessage(EventId = 2501, Level = LogLevel.Warning, Message = "Refreshing the tenant directory failed; the last copy stays in force.")]
    public static partial void RefreshFailed(ILogger logger, Exception exception);
}
