// Integration tests wait on real servers, deadlines and channel schedules: give each test room.
jest.setTimeout(120_000);
