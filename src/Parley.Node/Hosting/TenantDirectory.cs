using Microsoft.Extensions.Options;
using Parley.Node.Options;
using Parley.Node.Tenancy;

namespace Parley.Node.Hosting;

/// <summary>The tenant directory: polled from the auth service when <c>Parley:Directory:Url</c> is set, empty otherwise.</summary>
internal static class TenantDirectory
{
    public static void Add(IServiceCollection services, ParleyOptions options)
    {
        services.AddSingleton<ApiKeyUsage>();
        if (options.Directory.Url.Length == 0)
        {
            services.AddSingleton<ITenantDirectory, EmptyTenantDirectory>();
            return;
        }

        services.AddHttpClient("directory");
        services.AddSingleton(sp => new PollingTenantDirectory(
            sp.GetRequiredService<IHttpClientFactory>().CreateClient("directory"),
            sp.GetRequiredService<IOptions<ParleyOptions>>(),
            sp.GetRequiredService<ApiKeyUsage>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<PollingTenantDirectory>>()));
        services.AddSingleton<ITenantDirectory>(sp => sp.GetRequiredService<PollingTenantDirectory>());
        services.AddHostedService(sp => sp.GetRequiredService<PollingTenantDirectory>());
    }
}
