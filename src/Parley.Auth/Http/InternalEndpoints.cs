using Microsoft.Net.Http.Headers;

namespace Parley.Auth.Http;

/// <summary>
/// What nodes poll to apply tenant switches and quotas: every tenant's <c>disabled</c> flag and
/// quotas at one version, with that version as a strong ETag. A poll with <c>If-None-Match</c>
/// naming the current version costs one single-row read and answers 304 without a body.
/// </summary>
internal static class InternalEndpoints
{
    public static void Map(IEndpointRouteBuilder app) => app.MapGet("/internal/v1/tenants", ListAsync);

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

        var listing = await api.Store.ListTenantsAsync(ct);
        context.Response.Headers.ETag = ETag(listing.Revision);
        context.Response.Headers[HeaderNames.CacheControl] = "no-cache";
        return Results.Json(new InternalTenantsView(listing.Revision, [.. listing.Tenants.Select(t => new InternalTenantView(t.Id, t.Disabled, t.Quotas))]), AuthJson.Options);
    }

    private static string ETag(long revision) => "\"" + revision.ToString(System.Globalization.CultureInfo.InvariantCulture) + "\"";
}
