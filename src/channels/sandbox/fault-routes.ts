import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { faultProfileSchema, type SandboxFaults } from './sandbox-faults';

/** `PUT|GET|DELETE /sim/faults`: the fault profile for drills (contract section 4). */
export function registerFaultRoutes(app: FastifyInstance, faults: SandboxFaults): void {
  app.put('/sim/faults', async (request, reply) => {
    const parsed = faultProfileSchema.safeParse(request.body);
    if (!parsed.success) return reply.code(400).send({ error: z.prettifyError(parsed.error) });
    faults.set(parsed.data);
    return faults.snapshot();
  });
  app.get('/sim/faults', async () => faults.snapshot());
  app.delete('/sim/faults', async () => {
    faults.clear();
    return faults.snapshot();
  });
}
