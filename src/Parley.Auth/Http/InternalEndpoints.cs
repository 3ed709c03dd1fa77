using Microsoft.AspNetCore.Http.Features;
using Microsoft.Net.Http.Headers;
using Parley.Auth.Store;

namespace Parley.Auth.Http;

/// <summary>
/// What nodes poll and report, with the operator token. The listing holds every tenant's
/// <c>disabled</c> flag, quotas, signing keys and API key hashes at one version, with that version
/// as a strong ETag; a poll with <c>If-None-Match</c> naming the current version costs one
/// single-row read and answers 304 without a body. The usage report moves API keys' last-used
/// times forward.
/// </summary>
internal static class InternalEndpoints
{
    /// <summary>Largest usage report, in bytes: room for tens of thousands of keys, far above <see cref="AuthJson.MaxBodyBytes"/>.</summary>
    public const int MaxUsageReportBytes = 4 * 1024 * 1024;

    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapGet("/internal/v1/tenants", ListAsync);
        app.MapPost("/internal/v1/api-keys/usage", RecordUsageAsync);
    }

    private static async Task<IResult> ListAsync(HttpContext context, ApiServices api)
    {
        if (Callers.RequireOperator(context, api) is { } denied)
        {
            return denied;
        }

        var ct = context.RequestAborted;
        var known = context.Request.Headers.IfNoneMatch.ToString();
        if (known.Length > 0 && known == ETag(await api.Store.GetTenantsRevisionAsync(ct)))
        {
            context.Response.Headers.ETag = known;
            return Results.StatusCode(StatusCodes.Status304NotModified);
        }

        var listing = await api.Store.ListDirectoryAsync(ct);
        var keys = listing.Keys.ToLookup(k => k.Tenant, StringComparer.Ordinal);
        var apiKeys = listing.ApiKeys.ToLookup(k => k.Tenant, StringComparer.Ordinal);
        context.Response.Headers.ETag = ETag(listing.Revision);
        context.Response.Headers[HeaderNames.CacheControl] = "no-cache";
        return Results.Json(
            new InternalTenantsView(listing.Revision, [.. listing.Tenants.Select(t => new InternalTenantView(
                t.Id,
                t.Disabled,
                t.Quotas,
                [.. keys[t.Id].Select(InternalKeyView.Of)],
                [.. apiKeys[t.Id].Select(InternalApiKeyView.Of)]))]),
            AuthJson.Options);
    }

    /// <summary>
    /// Records <c>{"usage":{"&lt;keyId&gt;":"&lt;time&gt;",…}}</c> from a node. A node's clock may be ahead:
    /// a time past the service's own now counts as now, so one fast clock cannot pin a key's
    /// last-used time in the future. Unknown ids are ignored; the report is answered 204.
    /// </summary>
    private static async Task<IResult> RecordUsageAsync(HttpContext context, ApiServices api)
    {
        if (Callers.RequireOperator(context, api) is { } denied)
        {
            return denied;
        }

        // A node that cannot deliver its report retries it before every poll; the report must fit.
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = MaxUsageReportBytes;
        }

        var (request, invalid) = await AuthJson.ReadAsync<ApiKeyUsageRequest>(context.Request);
        if (request is null)
        {
            return invalid!;
        }

        var now = api.Clock.GetUtcNow();
        var usage = (request.Usage ?? []).Where(u => Identifiers.IsValid(u.Key)).ToDictionary(u => u.Key, u => u.Value > now ? now : u.Value, StringComparer.Ordinal);
        var changed = await api.Store.RecordApiKeyUsageAsync(usage, context.RequestAborted);
        AuthServiceLog.ApiKeyUsage(api.Logger, usage.Count, changed);
        return Results.NoContent();
    }

    private static string ETag(long revision) => "\"" + revision.ToString(System.Globalization.CultureInfo.InvariantCulture) + "\"";
}
