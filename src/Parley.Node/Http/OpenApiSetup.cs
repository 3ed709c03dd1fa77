using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Parley.Node.Http;

/// <summary>
/// The OpenAPI document at <c>/openapi/v1.json</c>: one bearer scheme (a JWT or a tenant API key),
/// required by the operations that authenticate and optional where a credential only widens the
/// answer; tags named for the resources; the <c>Idempotency-Key</c> header where a publish takes it.
/// Responses and their schemas come from each endpoint's own metadata.
/// </summary>
internal static class OpenApiSetup
{
    public const string BearerScheme = "bearer";

    /// <summary>The tags the document uses, each a resource of the API, with what it holds.</summary>
    public static readonly IReadOnlyDictionary<string, string> Tags = new Dictionary<string, string>
    {
        ["rooms"] = "Publishing to a room, its history and its presence.",
        ["users"] = "Direct messages into a user's inbox.",
        ["health"] = "Liveness, readiness and the node's status.",
        ["cluster"] = "The live nodes of the cluster and the operator's overview of them.",
        ["web"] = "What the browser app reads before anyone signs in.",
    };

    public static void Configure(OpenApiOptions options)
    {
        options.AddDocumentTransformer((document, _, _) =>
        {
            document.Info.Title = "Parley HTTP API";
            document.Info.Description = "Tenants' backends publish and read; operators watch. The WebSocket protocol and every error code: docs/protocol.md.";
            document.Components ??= new OpenApiComponents();
            document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
            document.Components.SecuritySchemes[BearerScheme] = new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.Http,
                Scheme = "bearer",
                BearerFormat = "JWT or pk_ API key",
                Description = "A token verified by the node's keys (scopes publish, read or operator), or a tenant API key (pk_…) issued by the auth service.",
            };
            document.Tags = new HashSet<OpenApiTag>(Tags.Select(t => new OpenApiTag { Name = t.Key, Description = t.Value }));
            return Task.CompletedTask;
        });
        options.AddOperationTransformer((operation, context, _) =>
        {
            var metadata = context.Description.ActionDescriptor.EndpointMetadata;
            if (metadata.OfType<Authenticated>().FirstOrDefault() is { } authenticated)
            {
                var requirement = new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(BearerScheme, context.Document)] = [] };
                // An empty requirement beside the bearer one: the credential is optional.
                operation.Security = authenticated.Optional ? [new OpenApiSecurityRequirement(), requirement] : [requirement];
            }

            if (metadata.OfType<TakesIdempotencyKey>().Any())
            {
                operation.Parameters ??= [];
                operation.Parameters.Add(new OpenApiParameter
                {
                    Name = "Idempotency-Key",
                    In = ParameterLocation.Header,
                    Required = false,
                    Description = "The message id, when the body carries no \"id\": the same identifier rules, and the same de-duplication.",
                    Schema = new OpenApiSchema { Type = JsonSchemaType.String, MaxLength = 64 },
                });
            }

            return Task.CompletedTask;
        });
    }

    /// <summary>Endpoint metadata: the operation takes the bearer credential; <see cref="Optional"/> when it only widens the answer.</summary>
    public sealed record Authenticated(bool Optional = false);

    /// <summary>Endpoint metadata: the operation accepts the <c>Idempotency-Key</c> header.</summary>
    public sealed record TakesIdempotencyKey;
}
