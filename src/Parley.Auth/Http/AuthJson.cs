using System.Text.Json;
using System.Text.Json.Serialization;

namespace Parley.Auth.Http;

/// <summary>
/// JSON of the HTTP API: camelCase names (the token response uses OAuth 2's snake_case names),
/// nulls omitted, and request bodies read strictly: an unknown field is an error, so a misspelt
/// setting is never silently ignored.
/// </summary>
internal static class AuthJson
{
    /// <summary>Largest request body read, in bytes.</summary>
    public const int MaxBodyBytes = 64 * 1024;

    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    };

    /// <summary>The body as <typeparamref name="T"/>, or a 400 to return.</summary>
    public static async Task<(T? Value, IResult? Error)> ReadAsync<T>(HttpRequest request)
        where T : class
    {
        try
        {
            var value = await JsonSerializer.DeserializeAsync<T>(request.Body, Options, request.HttpContext.RequestAborted);
            return value is null
                ? (null, AuthErrors.BadRequestResult(AuthErrors.BadRequest, "The body must be a JSON object."))
                : (value, null);
        }
        catch (JsonException e)
        {
            return (null, AuthErrors.BadRequestResult(AuthErrors.BadRequest, "The body is not valid: " + e.Message));
        }
    }
}
