using System.Text.Json;

namespace Parley.Node.Http;

/// <summary>The JSON of the web app's endpoints: snake_case property names; dictionary keys (tenant ids) kept as they are.</summary>
internal static class SnakeCaseJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
    };
}
