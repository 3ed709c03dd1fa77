using Microsoft.AspNetCore.StaticFiles;
using Microsoft.Extensions.FileProviders;
using Microsoft.Net.Http.Headers;
using Parley.Node.Options;

namespace Parley.Node.Web;

/// <summary>
/// Serves the built web app from <see cref="WebOptions.Root"/>: <c>index.html</c> at <c>/</c>, never
/// cached without revalidation, so a new build reaches browsers on their next load; the hashed files
/// under <c>/assets/</c> cached for a year, since a new build gives them new names. The framework's
/// static-file middleware does the serving: GET and HEAD only, content types by extension, no
/// directory listing, no path outside the root, hidden and dot files never served. API routes win
/// over files of the same path. Without an <c>index.html</c>, <c>/</c> is a page that says how to
/// build the app, not an empty 404.
/// </summary>
internal static class WebApp
{
    public const string AssetsPath = "/assets/";

    private const string NoCache = "no-cache";
    private const string Immutable = "public, max-age=31536000, immutable";

    public static void Map(WebApplication app, WebOptions options)
    {
        var root = options.ResolvedRoot();

        // The folder is looked for once, at start: a node started before the app was built serves the placeholder.
        IFileProvider files = Directory.Exists(root) ? new PhysicalFileProvider(root) : new NullFileProvider();
        app.MapMethods("/", [HttpMethods.Get, HttpMethods.Head], (HttpContext context) => Index(context, files))
            .ExcludeFromDescription();
        app.UseStaticFiles(new StaticFileOptions
        {
            FileProvider = files,
            ContentTypeProvider = ContentTypes(),
            OnPrepareResponse = file => file.Context.Response.Headers.CacheControl =
                file.Context.Request.Path.StartsWithSegments(AssetsPath.TrimEnd('/'), StringComparison.Ordinal) ? Immutable : NoCache,
        });
    }

    private static IResult Index(HttpContext context, IFileProvider files)
    {
        context.Response.Headers.CacheControl = NoCache;
        var index = files.GetFileInfo("index.html");
        return index is { Exists: true, PhysicalPath: { } path }
            ? Results.File(path, "text/html; charset=utf-8", enableRangeProcessing: false, lastModified: index.LastModified)
            : Results.Content(NotBuiltPage, "text/html; charset=utf-8");
    }

    /// <summary>The framework's table, plus the types a Vite build emits that it may not know.</summary>
    private static FileExtensionContentTypeProvider ContentTypes()
    {
        var provider = new FileExtensionContentTypeProvider();
        provider.Mappings[".js"] = "text/javascript";
        provider.Mappings[".mjs"] = "text/javascript";
        provider.Mappings[".map"] = "application/json";
        provider.Mappings[".webmanifest"] = "application/manifest+json";
        provider.Mappings[".wasm"] = "application/wasm";
        return provider;
    }

    private const string NotBuiltPage = """
        <!doctype html>
        <html lang="en">
        <head><meta charset="utf-8"><title>Parley</title></head>
        <body>
        <h1>Parley is running</h1>
        <p>The web app is not built, so this node has nothing to show here. Its API and WebSocket endpoint work.</p>
        <p>Build it with <code>cd web &amp;&amp; npm ci &amp;&amp; npm run build</code>, then build Parley
        (<code>dotnet build</code>), which copies <code>web/dist</code> to <code>wwwroot</code> beside the node,
        or point <code>Parley:Web:Root</code> at a built app, and restart the node.</p>
        </body>
        </html>
        """;
}
